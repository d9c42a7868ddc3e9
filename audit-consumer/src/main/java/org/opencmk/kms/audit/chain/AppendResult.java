package org.opencmk.kms.audit.chain;

import java.util.List;
import java.util.Map;

/**
 * What one {@link ChainStore#append} committed.
 *
 * @param nextOffsets for each chain in the batch, the offset to read next (Kafka's offset to commit)
 * @param chained how many entries were added
 * @param duplicates the records skipped because their id was already chained
 * @param invalid the positions of records chained as invalid (no readable id)
 * @param blocked the chains that stopped at a record this consumer refuses; their next offset is
 *     that record's
 */
public record AppendResult(
        Map<ChainId, Long> nextOffsets,
        int chained,
        List<Duplicate> duplicates,
        List<String> invalid,
        Map<ChainId, Blocked> blocked) {

    /** A record whose id was chained before, at {@code position} (topic/partition@offset). */
    public record Duplicate(String position, String id) {
    }

    /** A chain stopped at {@code offset}, for {@code reason}. */
    public record Blocked(long offset, String reason) {
    }
}
