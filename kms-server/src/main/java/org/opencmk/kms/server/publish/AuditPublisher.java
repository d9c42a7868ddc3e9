package org.opencmk.kms.server.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes the committed audit records ({@code kms_audit_record}) to the audit topic, in their
 * {@code seq} order, from a thread of its own: no API call waits for Kafka. The position (the last
 * seq published) is stored in {@code kms_publish_position} in the transaction that reads the next
 * batch, and only once Kafka acknowledged the batch, so a restart resumes where publishing
 * stopped and an outage only delays delivery (the batch is read and sent again; a record sent
 * twice is the same record, its {@code recordId}). Of several nodes one publishes at a time: each
 * round holds a transaction-scoped advisory lock.
 *
 * <p>{@code seq} comes from a sequence, which a rolled-back insert consumes: a gap in it may never
 * fill. A gap is waited for while younger than {@link #GAP_PATIENCE} (a commit in flight on
 * another node), then passed.
 */
final class AuditPublisher implements SmartLifecycle {

    static final String STREAM = "audit";
    /** Held by each publishing round, and by a reset of the position, for its transaction. */
    private static final String LOCK = "hashtext('kms_publish_position/audit')";
    private static final Logger log = LoggerFactory.getLogger(AuditPublisher.class);
    private static final int BATCH = 500;
    private static final Duration IDLE = Duration.ofMillis(200);
    private static final Duration GAP_PATIENCE = Duration.ofSeconds(10);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OrderedSender producer;
    private final String topic;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final Duration acknowledgedWithin;
    private volatile boolean running;
    private Thread thread;

    /** @param acknowledgedWithin how long a batch waits for Kafka's acknowledgements before it fails, to be retried */
    AuditPublisher(OrderedSender producer, String topic, JdbcTemplate jdbc, TransactionTemplate transaction,
                   Duration acknowledgedWithin) {
        this.acknowledgedWithin = acknowledgedWithin;
        this.producer = producer;
        this.topic = topic;
        this.jdbc = jdbc;
        this.transaction = transaction;
    }

    record Row(long seq, Instant recordedAt, String record) {
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::loop, "kms-audit-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            LockSupport.unpark(thread);
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        producer.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void loop() {
        Duration backoff = IDLE;
        while (running) {
            try {
                int published = publishOnce();
                backoff = IDLE;
                if (published == 0) {
                    LockSupport.parkNanos(this, IDLE.toNanos());
                }
            } catch (RuntimeException e) {
                log.warn("Publishing audit records to Kafka failed; retrying in {} ms: {}", backoff.toMillis(),
                        e.getMessage());
                LockSupport.parkNanos(this, backoff.toNanos());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** One round: the next batch, sent and acknowledged, then the position; returns how many were sent. */
    int publishOnce() {
        Integer sent = transaction.execute(status -> {
            Boolean mine = jdbc.queryForObject("SELECT pg_try_advisory_xact_lock(" + LOCK + ")", Boolean.class);
            if (!Boolean.TRUE.equals(mine)) {
                return 0;
            }
            List<Long> position = jdbc.queryForList("SELECT position FROM kms_publish_position WHERE stream = ? FOR UPDATE",
                    Long.class, STREAM);
            long last = position.isEmpty() ? 0 : position.get(0);
            List<Row> rows = jdbc.query("SELECT seq, recorded_at, record::text FROM kms_audit_record WHERE seq > ? "
                            + "ORDER BY seq LIMIT " + BATCH,
                    (rs, i) -> new Row(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3)), last);
            List<Row> ready = readyInOrder(rows, last, Instant.now());
            if (ready.isEmpty()) {
                return 0;
            }
            send(ready);
            long newPosition = ready.get(ready.size() - 1).seq();
            if (position.isEmpty()) {
                jdbc.update("INSERT INTO kms_publish_position (stream, position) VALUES (?, ?)", STREAM, newPosition);
            } else {
                jdbc.update("UPDATE kms_publish_position SET position = ? WHERE stream = ?", newPosition, STREAM);
            }
            return ready.size();
        });
        return sent == null ? 0 : sent;
    }

    /**
     * Makes publishing start over from the first audit record (RepublishEvents with its audit
     * records): the position is removed under the lock every round holds, so a round in flight on
     * any node finishes first and none writes an older position back after it.
     */
    void replayFromStart() {
        Long from = transaction.execute(status -> {
            jdbc.execute("SELECT pg_advisory_xact_lock(" + LOCK + ")");
            List<Long> position = jdbc.queryForList("SELECT position FROM kms_publish_position WHERE stream = ?",
                    Long.class, STREAM);
            jdbc.update("DELETE FROM kms_publish_position WHERE stream = ?", STREAM);
            return position.isEmpty() ? 0L : position.get(0);
        });
        log.info("Audit records are published to {} again from the first (they had been up to seq {})", topic, from);
    }

    /**
     * The rows to publish now, in order: those that follow {@code last} without a gap, and across
     * a gap only once the row after it is older than {@link #GAP_PATIENCE}.
     */
    static List<Row> readyInOrder(List<Row> rows, long last, Instant now) {
        List<Row> ready = new ArrayList<>(rows.size());
        long expected = last + 1;
        for (Row row : rows) {
            if (row.seq() != expected && row.recordedAt().plus(GAP_PATIENCE).isAfter(now)) {
                break;
            }
            ready.add(row);
            expected = row.seq() + 1;
        }
        return ready;
    }

    private void send(List<Row> rows) {
        producer.beginBatch();
        try {
            List<Future<RecordMetadata>> sends = new ArrayList<>(rows.size());
            for (Row row : rows) {
                sends.add(producer.send(new ProducerRecord<>(topic, kafkaKey(row.record()),
                        row.record().getBytes(StandardCharsets.UTF_8))));
            }
            OrderedSender.awaitAcknowledgements(sends, acknowledgedWithin, "Kafka did not acknowledge the audit records");
        } catch (RuntimeException e) {
            // Nothing of this batch may reach Kafka after its retry has begun.
            producer.abandonBatch();
            throw e;
        }
    }

    /** The record's key id, or its account when it names no key, or its request id when neither. */
    private static String kafkaKey(String record) {
        try {
            JsonNode node = JSON.readTree(record);
            if (node.hasNonNull("keyId")) {
                return node.get("keyId").asText();
            }
            if (node.hasNonNull("accountId")) {
                return node.get("accountId").asText();
            }
            return node.path("requestId").asText();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("an audit record is not JSON", e);
        }
    }
}
