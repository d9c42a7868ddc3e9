package org.opencmk.kms.audit.chain;

/** A record as Kafka delivered it: where it was and its value's bytes. */
public record Incoming(String topic, int partition, long offset, byte[] value) {

    public ChainId chain() {
        return new ChainId(topic, partition);
    }

    public String position() {
        return topic + "/" + partition + "@" + offset;
    }
}
