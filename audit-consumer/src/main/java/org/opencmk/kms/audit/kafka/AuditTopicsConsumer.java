package org.opencmk.kms.audit.kafka;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.opencmk.kms.audit.AuditProperties;
import org.opencmk.kms.audit.chain.AppendResult;
import org.opencmk.kms.audit.chain.ChainId;
import org.opencmk.kms.audit.chain.ChainStore;
import org.opencmk.kms.audit.chain.Incoming;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The one thread that reads both topics and chains what it reads: poll, append the batch to
 * PostgreSQL in one transaction ({@link ChainStore#append}), and only then commit the offsets to
 * Kafka. The database's next offsets decide where each partition resumes (on every assignment),
 * Kafka's committed offsets follow them for lag monitoring; so a record is chained once however
 * often it is delivered.
 *
 * <p>Nothing is skipped to keep going: while PostgreSQL fails, the batch is read again after a
 * pause that doubles up to {@code maxRetryBackoff}; while the broker is away, the client keeps
 * reconnecting and the loop keeps polling. A record of a schema version this consumer does not
 * know stops its partition (paused, reported in {@link #status}) until a newer consumer reads it.
 */
public final class AuditTopicsConsumer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AuditTopicsConsumer.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final AuditProperties.Kafka config;
    private final ChainStore store;
    private final Set<String> topics;

    private volatile boolean running;
    private volatile CountDownLatch stopped = new CountDownLatch(0);
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    // Owned by the loop thread.
    /** Where each assigned partition stands: the next offset, or -1 for "from its beginning". */
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private final Set<TopicPartition> unpositioned = new LinkedHashSet<>();

    // Read by the HTTP side.
    private final Map<ChainId, String> blocked = new ConcurrentHashMap<>();
    private final Set<TopicPartition> assigned = ConcurrentHashMap.newKeySet();
    private final AtomicLong chained = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private volatile String lastError;
    private volatile Instant lastErrorAt;

    public AuditTopicsConsumer(AuditProperties.Kafka config, ChainStore store) {
        this.config = config;
        this.store = store;
        this.topics = new LinkedHashSet<>(List.of(config.auditTopic(), config.eventsTopic()));
    }

    /** What the consumer is doing, for {@code GET /chain/head}. */
    public record Status(boolean running, List<String> assigned, long chainedSinceStart, long duplicatesSinceStart,
            Map<String, String> blocked, String lastError, Instant lastErrorAt) {
    }

    public Status status() {
        Map<String, String> blockedNow = new HashMap<>();
        blocked.forEach((chain, reason) -> blockedNow.put(chain.toString(), reason));
        return new Status(running, assigned.stream().map(tp -> tp.topic() + "/" + tp.partition()).sorted().toList(),
                chained.get(), duplicates.get(), blockedNow, lastError, lastErrorAt);
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        stopped = new CountDownLatch(1);
        thread = new Thread(this::run, "audit-consumer");
        thread.start();
    }

    @Override
    public void stop() {
        Thread loop;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            loop = thread;
        }
        stopped.countDown();
        KafkaConsumer<byte[], byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        try {
            loop.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void run() {
        Duration backoff = config.retryBackoff();
        while (running) {
            try (KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(consumerProperties())) {
                consumer = kafka;
                if (!running) {
                    break; // stopped before the consumer could be woken
                }
                kafka.subscribe(topics, new Rebalance(kafka));
                log.info("Consuming {} from {} as group {}", topics, config.bootstrapServers(), config.groupId());
                poll(kafka);
            } catch (WakeupException | InterruptException stop) {
                // stopping
            } catch (RuntimeException e) {
                failed("the Kafka consumer failed", e);
                pause(backoff);
                backoff = longer(backoff);
            } finally {
                consumer = null;
                positions.clear();
                unpositioned.clear();
                assigned.clear();
            }
        }
        log.info("Stopped consuming {}", topics);
    }

    private void poll(KafkaConsumer<byte[], byte[]> kafka) {
        Duration backoff = config.retryBackoff();
        Duration positionBackoff = config.retryBackoff();
        Instant nextPositionAttempt = Instant.MIN;
        while (running) {
            // Newly assigned partitions stay paused until the database says where they resume;
            // the others go on meanwhile.
            if (!unpositioned.isEmpty() && !Instant.now().isBefore(nextPositionAttempt)) {
                if (position(kafka)) {
                    positionBackoff = config.retryBackoff();
                } else {
                    nextPositionAttempt = Instant.now().plus(positionBackoff);
                    positionBackoff = longer(positionBackoff);
                }
            }
            ConsumerRecords<byte[], byte[]> records = kafka.poll(POLL_TIMEOUT);
            if (records.isEmpty()) {
                continue;
            }
            List<Incoming> batch = new ArrayList<>(records.count());
            Set<TopicPartition> partitions = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                if (positions.containsKey(partition)) {
                    batch.add(new Incoming(record.topic(), record.partition(), record.offset(),
                            record.value() == null ? new byte[0] : record.value()));
                    partitions.add(partition);
                }
            }
            if (batch.isEmpty()) {
                continue;
            }
            try {
                AppendResult result = store.append(batch);
                backoff = config.retryBackoff();
                committed(kafka, result);
            } catch (Exception e) {
                failed("could not chain " + batch.size() + " records; reading them again in " + backoff.toMillis() + " ms", e);
                for (TopicPartition partition : partitions) {
                    seek(kafka, partition, positions.get(partition));
                }
                pause(backoff);
                backoff = longer(backoff);
            }
        }
    }

    /** The batch is in PostgreSQL: move on, then tell Kafka. */
    private void committed(KafkaConsumer<byte[], byte[]> kafka, AppendResult result) {
        chained.addAndGet(result.chained());
        duplicates.addAndGet(result.duplicates().size());
        for (AppendResult.Duplicate duplicate : result.duplicates()) {
            log.info("Skipped {} at {}: that id is chained already", duplicate.id(), duplicate.position());
        }
        for (String position : result.invalid()) {
            log.warn("Chained the unreadable record at {} as invalid", position);
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        result.nextOffsets().forEach((chain, next) -> {
            TopicPartition partition = new TopicPartition(chain.topic(), chain.partition());
            positions.put(partition, next);
            offsets.put(partition, new OffsetAndMetadata(next));
        });
        result.blocked().forEach((chain, block) -> {
            TopicPartition partition = new TopicPartition(chain.topic(), chain.partition());
            kafka.seek(partition, block.offset());
            kafka.pause(List.of(partition));
            if (blocked.put(chain, "stopped at offset " + block.offset() + ": " + block.reason()) == null) {
                log.error("Stopped reading {} at offset {}: {}. Upgrade the audit consumer; nothing after it is chained "
                        + "until then", chain, block.offset(), block.reason());
            }
        });
        log.debug("Chained {} records ({} duplicates skipped)", result.chained(), result.duplicates().size());
        kafka.commitAsync(offsets, (committed, e) -> {
            if (e != null) {
                log.debug("Kafka did not take the offsets (it will with the next batch): {}", e.toString());
            }
        });
    }

    /** Seeks the newly assigned partitions to where the database says they resume; false if it could not say. */
    private boolean position(KafkaConsumer<byte[], byte[]> kafka) {
        Map<ChainId, TopicPartition> chains = new HashMap<>();
        unpositioned.forEach(tp -> chains.put(new ChainId(tp.topic(), tp.partition()), tp));
        Map<ChainId, Long> resume;
        try {
            resume = store.positions(chains.keySet());
        } catch (Exception e) {
            failed("could not read where " + unpositioned + " resume", e);
            return false;
        }
        chains.forEach((chain, partition) -> {
            long next = resume.getOrDefault(chain, -1L);
            positions.put(partition, next);
            seek(kafka, partition, next);
            log.info("{} resumes at {}", chain, next < 0 ? "its beginning" : "offset " + next);
        });
        kafka.resume(unpositioned);
        unpositioned.clear();
        return true;
    }

    private static void seek(KafkaConsumer<byte[], byte[]> kafka, TopicPartition partition, Long next) {
        if (next == null || next < 0) {
            kafka.seekToBeginning(List.of(partition));
        } else {
            kafka.seek(partition, next);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final KafkaConsumer<byte[], byte[]> kafka;

        Rebalance(KafkaConsumer<byte[], byte[]> kafka) {
            this.kafka = kafka;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // Nothing is read from them until position() has asked the database.
            kafka.pause(partitions);
            unpositioned.addAll(partitions);
            assigned.addAll(partitions);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition partition : partitions) {
                Long next = positions.get(partition);
                if (next != null && next >= 0) {
                    offsets.put(partition, new OffsetAndMetadata(next));
                }
            }
            try {
                if (!offsets.isEmpty()) {
                    kafka.commitSync(offsets, Duration.ofSeconds(5));
                }
            } catch (RuntimeException e) {
                log.debug("Kafka did not take the offsets of revoked partitions: {}", e.toString());
            }
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            partitions.forEach(positions::remove);
            unpositioned.removeAll(partitions);
            assigned.removeAll(partitions);
            partitions.forEach(tp -> blocked.remove(new ChainId(tp.topic(), tp.partition())));
        }
    }

    private Properties consumerProperties() {
        Properties properties = new Properties();
        properties.putAll(config.properties());
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Records of aborted transactions never reach the chain, on the first read or a replay.
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "audit-consumer");
        // New partitions of the topics are found within half a minute.
        properties.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "30000");
        return properties;
    }

    private void failed(String what, Exception e) {
        lastError = what + ": " + e;
        lastErrorAt = Instant.now();
        log.warn("{}: {}", what, e.toString());
    }

    /** Waits, unless stopped first. */
    private void pause(Duration duration) {
        try {
            stopped.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private Duration longer(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(config.maxRetryBackoff()) > 0 ? config.maxRetryBackoff() : doubled;
    }
}
