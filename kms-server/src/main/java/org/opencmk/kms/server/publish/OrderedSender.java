package org.opencmk.kms.server.publish;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One publisher's producer, which never lets a later record reach Kafka after an earlier one
 * failed. An idempotent producer keeps a partition in order only while no send fails: when a batch
 * expires (the broker away longer than the delivery timeout), the producer re-sequences the
 * batches behind it, and those can still be written once the broker is back, ahead of the expired
 * records that the publisher sends again. A consumer would then chain one key's records out of
 * order. And a send that fails does not stop the publisher's loop: KafkaProducer reports a send
 * that found no metadata through its future, so the records after it would go out through the
 * next producer once the broker is back, ahead of the failed one (KmsToAuditConsumerIT saw both).
 * So the first failed send closes its producer at once (from the callback, which drops every send
 * still pending in it, as KafkaProducer's documentation prescribes for ordering) and refuses every
 * later send of the batch; the batch fails, and the publisher sends it again, from its stored
 * position, in a new batch ({@link #beginBatch}) through a new producer.
 *
 * <p>Each publisher has its own, so one stream's failure does not fail the other's batch. Used by
 * one thread at a time (its publisher's); the callback may run on the producer's I/O thread, so it
 * takes no lock.
 */
final class OrderedSender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OrderedSender.class);

    private final Supplier<Producer<String, byte[]>> producers;
    private final AtomicReference<Producer<String, byte[]>> current = new AtomicReference<>();
    /** A send of the current batch failed: the rest of the batch is refused. */
    private volatile boolean failed;

    OrderedSender(Supplier<Producer<String, byte[]>> producers) {
        this.producers = producers;
    }

    /** A new batch: sends are accepted again, after an earlier batch failed. */
    void beginBatch() {
        failed = false;
    }

    /**
     * Sends through the current producer, made first if the last one was discarded.
     *
     * @throws IllegalStateException if a send of this batch failed already
     */
    Future<RecordMetadata> send(ProducerRecord<String, byte[]> record) {
        if (failed) {
            throw new IllegalStateException("an earlier send of this batch to Kafka failed");
        }
        Producer<String, byte[]> producer = current.get();
        if (producer == null) {
            producer = producers.get();
            current.set(producer);
        }
        Producer<String, byte[]> used = producer;
        try {
            return used.send(record, (metadata, failure) -> {
                if (failure != null) {
                    discard(used);
                }
            });
        } catch (RuntimeException e) {
            discard(used);
            throw e;
        }
    }

    /**
     * The batch failed (or was given up): every send still pending is dropped, and the rest of the
     * batch is refused.
     */
    void abandonBatch() {
        Producer<String, byte[]> producer = current.get();
        if (producer != null) {
            discard(producer);
        } else {
            failed = true;
        }
    }

    /** Drops every send still pending in {@code producer}; the next batch makes a new one. */
    private void discard(Producer<String, byte[]> producer) {
        failed = true;
        if (current.compareAndSet(producer, null)) {
            log.info("A send to Kafka failed: its producer is closed with every send pending in it, and the batch "
                    + "will be sent again in order through a new one");
            producer.close(Duration.ZERO);
        }
    }

    /**
     * Waits for every send of a batch to be acknowledged, {@code patience} in all.
     *
     * @throws IllegalStateException saying {@code failure} if one was not
     */
    static void awaitAcknowledgements(List<Future<RecordMetadata>> sends, Duration patience, String failure) {
        long deadline = System.nanoTime() + patience.toNanos();
        for (Future<RecordMetadata> sent : sends) {
            try {
                sent.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException(failure, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka", e);
            }
        }
    }

    @Override
    public void close() {
        Producer<String, byte[]> producer = current.getAndSet(null);
        if (producer != null) {
            producer.close();
        }
    }
}
