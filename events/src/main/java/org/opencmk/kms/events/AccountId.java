package org.opencmk.kms.events;

/**
 * The account that owns keys and aliases; shown to callers as {@code CreatorUin} and {@code Owner}
 * the way Tencent Cloud shows its numeric account ids.
 */
public record AccountId(long value) {

    public AccountId {
        if (value <= 0) {
            throw new IllegalArgumentException("account ids are positive: " + value);
        }
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
