package org.opencmk.kms.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.audit.support.AuditConsumer;
import org.opencmk.kms.audit.support.KafkaBroker;
import org.opencmk.kms.audit.support.TestRecords;
import org.opencmk.kms.events.AuditRecord;
import org.opencmk.kms.events.PublishedEvent;
import tools.jackson.databind.JsonNode;

/**
 * The broker stopped in the middle of a load and started again on the same directory and port:
 * the consumer (on its embedded PostgreSQL, as it runs by default) keeps retrying, every record
 * arrives and is chained once in order per key, {@code verify} passes while it runs and after it
 * stopped, and a replay into a fresh data directory rebuilds the same heads.
 */
class BrokerOutageIT {

    private static final int RECORDS = 2000;
    private static final List<String> KEYS = List.of(TestRecords.newId(), TestRecords.newId(), TestRecords.newId(),
            TestRecords.newId(), TestRecords.newId(), TestRecords.newId(), TestRecords.newId(), TestRecords.newId());

    @Test
    void aBrokerOutageInTheMiddleOfALoadLosesNothing() throws Exception {
        Path work = Files.createTempDirectory("audit-outage-it-");
        boolean passed = false;
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"))) {
            broker.createTopics(3, "outage.audit", "outage.events");
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("audit.kafka.bootstrap-servers", broker.bootstrapServers());
            settings.put("audit.kafka.audit-topic", "outage.audit");
            settings.put("audit.kafka.events-topic", "outage.events");
            settings.put("audit.kafka.group-id", "outage-group");
            settings.put("audit.kafka.max-retry-backoff", "PT2S");
            settings.put("audit.data-dir", work.resolve("audit-data").toString());

            // Sent: topic + Kafka key → ids in the order sent.
            Map<String, List<String>> sentByKey = Collections.synchronizedMap(new LinkedHashMap<>());
            List<Exception> failures = new CopyOnWriteArrayList<>();
            AtomicInteger sent = new AtomicInteger();
            String digest;
            KafkaProducer<String, byte[]> producer = TestRecords.producer(broker.bootstrapServers());
            try (AuditConsumer consumer = AuditConsumer.start(settings)) {
                // The second half of the load is sent once the broker is down: into the outage.
                CountDownLatch brokerDown = new CountDownLatch(1);
                CompletableFuture<Void> load = CompletableFuture.runAsync(
                        () -> produce(producer, sentByKey, failures, sent, brokerDown));

                await().atMost(Duration.ofSeconds(60)).until(() -> consumer.entries() >= 200);
                broker.stop();
                brokerDown.countDown();
                // The producer blocks in send() while the broker is away; the consumer keeps retrying and
                // answers queries meanwhile.
                Thread.sleep(3000);
                assertThat(sent.get()).as("records sent into the outage").isLessThan(RECORDS);
                assertThat(broker.running()).isFalse();
                JsonNode status = consumer.get("/chain/head").body().get("consumer");
                assertThat(status.get("running").booleanValue()).isTrue();
                broker.start();
                load.get(120, TimeUnit.SECONDS);
                producer.flush();
                assertThat(failures).as("every send was acknowledged in the end").isEmpty();

                List<String> allIds = sentByKey.values().stream().flatMap(List::stream).toList();
                assertThat(allIds).hasSize(RECORDS);
                await().atMost(Duration.ofSeconds(120)).until(() -> consumer.entries() == RECORDS);

                List<JsonNode> entries = all(consumer);
                assertThat(entries).extracting(e -> e.get("id").stringValue()).doesNotHaveDuplicates()
                        .containsExactlyInAnyOrderElementsOf(allIds);
                Map<String, JsonNode> byId = entries.stream().collect(Collectors.toMap(e -> e.get("id").stringValue(), e -> e));
                sentByKey.forEach((key, ids) -> {
                    List<JsonNode> chained = ids.stream().map(byId::get).toList();
                    assertThat(chained).extracting(e -> e.get("topic").stringValue() + "/" + e.get("partition").intValue())
                            .as(key).containsOnly(chained.get(0).get("topic").stringValue() + "/"
                                    + chained.get(0).get("partition").intValue());
                    assertThat(chained).extracting(e -> e.get("seq").longValue()).as(key).isSorted();
                });

                // verify while the consumer runs: it reads the running embedded PostgreSQL.
                AuditConsumer.Verification running = consumer.verify();
                assertThat(running.exit()).as(running.output()).isZero();
                assertThat(running.output()).contains("entries intact in the running consumer's embedded PostgreSQL");
                digest = consumer.get("/chain/head").body().get("digest").stringValue();
                assertThat(running.output()).contains("digest=" + digest);
            } finally {
                producer.close(Duration.ofSeconds(5));
            }
            // …and after it stopped: verify starts the embedded PostgreSQL itself.
            AuditConsumer.Verification stopped = AuditConsumer.verify(settings);
            assertThat(stopped.exit()).as(stopped.output()).isZero();
            assertThat(stopped.output()).contains("digest=" + digest).contains(RECORDS + " entries intact in the embedded");

            // Replaying the topics from the start into a fresh data directory rebuilds the same heads.
            Map<String, String> replay = new LinkedHashMap<>(settings);
            replay.put("audit.kafka.group-id", "outage-replay");
            replay.put("audit.data-dir", work.resolve("replay-data").toString());
            try (AuditConsumer consumer = AuditConsumer.start(replay)) {
                await().atMost(Duration.ofSeconds(120)).until(() -> consumer.entries() == RECORDS);
                assertThat(consumer.get("/chain/head").body().get("digest").stringValue()).isEqualTo(digest);
            }
            passed = true;
        } finally {
            // After a failure the broker's log and the data stay for a look.
            if (passed) {
                try (var files = Files.walk(work)) {
                    files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
        }
    }

    /** Audit records (and every fifth an event) for eight keys, at a steady pace; the second half once the broker is down. */
    private static void produce(KafkaProducer<String, byte[]> producer, Map<String, List<String>> sentByKey,
            List<Exception> failures, AtomicInteger sent, CountDownLatch brokerDown) {
        Instant start = Instant.parse("2026-12-01T00:00:00Z");
        for (int i = 0; i < RECORDS; i++) {
            if (i == RECORDS / 2) {
                try {
                    brokerDown.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            String keyId = KEYS.get(i % KEYS.size());
            long account = 2001 + i % 2;
            Instant time = start.plusMillis(i);
            String topic;
            String key;
            String id;
            byte[] value;
            if (i % 5 == 4) {
                PublishedEvent event = TestRecords.event("KeyVersionCreated", keyId, account, i, time, Map.of("keyId", keyId));
                topic = "outage.events";
                key = TestRecords.key(event);
                id = event.eventId();
                value = TestRecords.json(event);
            } else {
                AuditRecord record = TestRecords.call("GenerateDataKey", account, "AKIDload" + account, keyId, time,
                        Map.of("KeySpec", "AES_256", "n", i));
                topic = "outage.audit";
                key = TestRecords.key(record);
                id = record.recordId();
                value = TestRecords.json(record);
            }
            sentByKey.computeIfAbsent(topic + " " + key, k -> Collections.synchronizedList(new ArrayList<>())).add(id);
            producer.send(new ProducerRecord<>(topic, key, value), (metadata, e) -> {
                if (e != null) {
                    failures.add(e);
                }
            });
            sent.incrementAndGet();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Every entry through the HTTP API, oldest first. */
    private static List<JsonNode> all(AuditConsumer consumer) {
        List<JsonNode> entries = new ArrayList<>();
        for (int offset = 0; ; offset += 1000) {
            JsonNode page = consumer.get("/records?order=oldest&limit=1000&offset=" + offset).body().get("records");
            page.forEach(entries::add);
            if (page.size() < 1000) {
                return entries;
            }
        }
    }
}
