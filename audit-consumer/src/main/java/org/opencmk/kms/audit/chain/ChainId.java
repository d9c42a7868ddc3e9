package org.opencmk.kms.audit.chain;

import java.util.Comparator;

/** One hash chain: the entries of one partition of one topic, in offset order. */
public record ChainId(String topic, int partition) implements Comparable<ChainId> {

    private static final Comparator<ChainId> ORDER =
            Comparator.comparing(ChainId::topic).thenComparingInt(ChainId::partition);

    @Override
    public int compareTo(ChainId other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return topic + "/" + partition;
    }
}
