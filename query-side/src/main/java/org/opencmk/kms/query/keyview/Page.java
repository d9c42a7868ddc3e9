package org.opencmk.kms.query.keyview;

import java.util.List;

/**
 * One page of a listing and the number of entries in the whole listing.
 *
 * @param totalCount how many entries match, on every page
 */
public record Page<T>(List<T> items, long totalCount) {

    public Page {
        items = List.copyOf(items);
    }

    /** Entries {@code offset} to {@code offset + limit} of an ordered listing. */
    public static <T> Page<T> of(List<T> all, int offset, int limit) {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must not be negative");
        }
        if (offset >= all.size()) {
            return new Page<>(List.of(), all.size());
        }
        return new Page<>(all.subList(offset, (int) Math.min(all.size(), (long) offset + limit)), all.size());
    }

    public <R> Page<R> map(java.util.function.Function<T, R> mapper) {
        return new Page<>(items.stream().map(mapper).toList(), totalCount);
    }
}
