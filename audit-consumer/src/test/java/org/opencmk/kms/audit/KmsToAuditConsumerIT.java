package org.opencmk.kms.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.audit.support.AuditConsumer;
import org.opencmk.kms.audit.support.Entries;
import org.opencmk.kms.audit.support.KafkaBroker;
import org.opencmk.kms.audit.support.KmsServer;
import org.opencmk.kms.audit.support.Tc3Client;
import org.opencmk.kms.audit.support.TestDatabases;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 15 end to end: the KMS's own runnable jar (a child process) publishing to a real Kafka
 * broker (a child JVM, from Maven artifacts), and the audit consumer chaining both topics into
 * its PostgreSQL. A load of TC3-signed calls (keys created, Encrypt per key, refused calls) is
 * driven through the KMS; midway the broker is stopped for longer than the KMS's delivery timeout
 * (so both publishers' sends fail and their batches are sent again), the KMS keeps answering, and
 * the broker is started again. Every answered RequestId is then chained exactly once, every created key's
 * {@code KeyCreated} and {@code KeyVersionCreated} once, one key's records in the order of its
 * calls and its own events (not the alias events that name it, whose {@code sequence} is the
 * account's alias registry's) in strictly increasing {@code sequence}; {@code verify} passes, and after one
 * stored byte is changed it names that entry.
 */
class KmsToAuditConsumerIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String AUDIT = "kms.audit";
    private static final String EVENTS = "kms.events";
    private static final Duration ARRIVAL = Duration.ofSeconds(90);
    /** How long the KMS's producer waits for an acknowledgement before a batch fails, to be sent again. */
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(3);
    /** Longer than three delivery timeouts: sends fail during it, and both publishers retry their batches. */
    private static final Duration OUTAGE = Duration.ofSeconds(10);

    /** One answered call: what was asked, about which key, and the answer's RequestId and error code (null: success). */
    private record Call(String action, String keyId, String requestId, String error) {
    }

    @Test
    void everyCallAndEventOfTheKmsIsChainedOnceThroughABrokerOutage() throws Exception {
        Path jar = KmsServer.jar();
        Assumptions.assumeTrue(Files.isRegularFile(jar), "the KMS's runnable jar " + jar + " is missing: build it first"
                + " (./mvnw -DskipTests package -pl kms-server -am), or run this test in the reactor (-pl audit-consumer -am)");

        Path work = Files.createTempDirectory("kms-e2e-it-");
        boolean passed = false;
        try (KafkaBroker broker = KafkaBroker.start(work.resolve("kafka"));
                TestDatabases databases = TestDatabases.start()) {
            broker.createTopics(3, AUDIT, EVENTS);
            String database = databases.create();
            Map<String, String> settings = new LinkedHashMap<>(TestDatabases.settings(database));
            settings.put("audit.kafka.bootstrap-servers", broker.bootstrapServers());
            settings.put("audit.kafka.audit-topic", AUDIT);
            settings.put("audit.kafka.events-topic", EVENTS);
            settings.put("audit.kafka.group-id", "e2e-group");
            settings.put("audit.kafka.max-retry-backoff", "PT2S");

            List<Call> calls = new ArrayList<>();
            List<String> created = new ArrayList<>();
            try (KmsServer kms = KmsServer.start(work.resolve("kms-data"), Map.of(
                    "KMS_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "KMS_KAFKA_AUDIT_TOPIC", AUDIT,
                    "KMS_KAFKA_EVENTS_TOPIC", EVENTS,
                    "KMS_KAFKA_DELIVERY_TIMEOUT", DELIVERY_TIMEOUT.toSeconds() + "s"));
                    AuditConsumer consumer = AuditConsumer.start(settings)) {
                Tc3Client client = kms.client();

                // Before the outage: three keys, Encrypt calls on each, refused calls.
                for (int i = 0; i < 3; i++) {
                    created.add(createKey(client, calls, "e2e-before-" + i));
                }
                for (int round = 0; round < 5; round++) {
                    for (String keyId : created) {
                        encrypt(client, calls, keyId, "before " + round);
                    }
                    refusedCalls(client, calls, round);
                }
                // Something of the KMS's arrived: publishing and consuming work before the outage.
                Set<String> firstIds = requestIds(calls);
                await().atMost(ARRIVAL).until(() -> chainedRequestIds(databases, database).containsAll(firstIds));

                broker.stop();
                assertThat(broker.running()).isFalse();
                // The broker is away: the KMS still answers every call (publishing is off the API's path).
                int beforeOutage = calls.size();
                long until = System.nanoTime() + OUTAGE.toNanos();
                int round = 0;
                List<String> createdDuringOutage = new ArrayList<>();
                while (System.nanoTime() < until || createdDuringOutage.size() < 2) {
                    if (round % 5 == 0 && createdDuringOutage.size() < 2) {
                        createdDuringOutage.add(createKey(client, calls, "e2e-outage-" + createdDuringOutage.size()));
                    }
                    encrypt(client, calls, created.get(round % created.size()), "outage " + round);
                    if (!createdDuringOutage.isEmpty()) {
                        encrypt(client, calls, createdDuringOutage.get(round % createdDuringOutage.size()), "outage " + round);
                    }
                    refusedCalls(client, calls, round);
                    round++;
                }
                created.addAll(createdDuringOutage);
                assertThat(calls.size()).as("calls answered while the broker was away").isGreaterThan(beforeOutage);
                assertThat(kms.running()).isTrue();
                // Both publishers saw their sends fail: what follows proves the retried batches, not
                // a producer that merely waited out a short outage.
                await().atMost(ARRIVAL).until(() -> {
                    String log = Files.readString(kms.log());
                    // The events publisher's failure is logged by its processor's thread, as the
                    // sender closing its producer (or Axon's retry of a batch Kafka did not acknowledge).
                    return log.contains("Publishing audit records to Kafka failed")
                            && log.lines().anyMatch(line -> line.contains("kafka-events")
                                    && (line.contains("OrderedSender") || line.contains("did not acknowledge")));
                });
                broker.start();

                // After the outage.
                for (int after = 0; after < 3; after++) {
                    for (String keyId : created) {
                        encrypt(client, calls, keyId, "after " + after);
                    }
                    refusedCalls(client, calls, after);
                }

                // Every answered RequestId arrives.
                Set<String> answered = requestIds(calls);
                assertThat(answered).as("RequestIds are unique").hasSize(calls.size());
                await().atMost(ARRIVAL).pollInterval(Duration.ofMillis(500))
                        .until(() -> chainedRequestIds(databases, database).containsAll(answered));
                // Every created key's KeyCreated and KeyVersionCreated arrive.
                await().atMost(ARRIVAL).pollInterval(Duration.ofMillis(500)).until(() -> {
                    Map<String, List<String>> types = eventTypesByKey(databases, database);
                    return created.stream().allMatch(k -> types.getOrDefault(k, List.of()).containsAll(
                            List.of("KeyCreated", "KeyVersionCreated")));
                });
                // The consumer has caught up with everything the KMS published (its own calls, e.g. the
                // start-up probe, included): nothing more arrives, so what follows sees a settled database.
                await().atMost(ARRIVAL).pollInterval(Duration.ofSeconds(1)).until(new java.util.concurrent.Callable<>() {
                    private long last = -1;

                    @Override
                    public Boolean call() {
                        long now = consumer.entries();
                        boolean settled = now == last;
                        last = now;
                        return settled;
                    }
                });
            }

            try (Connection connection = databases.connect(database)) {
                List<Entries.Entry> entries = Entries.all(connection);
                // Chained once: no record id twice.
                assertThat(entries).extracting(Entries.Entry::id).doesNotHaveDuplicates();
                Map<Entries.Entry, JsonNode> values = new LinkedHashMap<>();
                entries.forEach(e -> values.put(e, JSON.readTree(e.value())));

                // Every answered RequestId is in exactly one audit record, with the answer's outcome.
                Map<String, List<Entries.Entry>> byRequestId = entries.stream().filter(e -> e.topic().equals(AUDIT))
                        .collect(Collectors.groupingBy(e -> values.get(e).path("requestId").stringValue()));
                for (Call call : calls) {
                    assertThat(byRequestId.get(call.requestId())).as(call.toString()).hasSize(1);
                    JsonNode record = values.get(byRequestId.get(call.requestId()).get(0));
                    assertThat(record.path("action").stringValue()).as(call.toString()).isEqualTo(call.action());
                    assertThat(record.path("outcome").stringValue()).as(call.toString())
                            .isEqualTo(call.error() == null ? "Success" : call.error());
                }

                // In order per key: one key's audit records in one chain, in the order of its calls.
                for (String keyId : created) {
                    List<String> issued = calls.stream().filter(c -> keyId.equals(c.keyId()) && c.action().equals("Encrypt"))
                            .map(Call::requestId).toList();
                    List<Entries.Entry> chained = entries.stream().filter(e -> e.topic().equals(AUDIT))
                            .filter(e -> issued.contains(values.get(e).path("requestId").stringValue())).toList();
                    assertThat(chained).extracting(Entries.Entry::chain).as(keyId).containsOnly(chained.get(0).chain());
                    assertThat(chained).extracting(e -> values.get(e).path("requestId").stringValue()).as(keyId)
                            .containsExactlyElementsOf(issued);
                }

                // Events: every created key's KeyCreated and KeyVersionCreated once, one chain per key,
                // sequence strictly increasing in chain order.
                Map<String, List<Entries.Entry>> eventsByKey = entries.stream().filter(e -> e.topic().equals(EVENTS))
                        .filter(e -> !values.get(e).path("keyId").isMissingNode() && !values.get(e).path("keyId").isNull())
                        .collect(Collectors.groupingBy(e -> values.get(e).path("keyId").stringValue(), LinkedHashMap::new,
                                Collectors.toList()));
                for (String keyId : created) {
                    List<Entries.Entry> events = eventsByKey.get(keyId);
                    assertThat(events).as(keyId).isNotNull();
                    List<String> types = events.stream().map(e -> values.get(e).path("type").stringValue()).toList();
                    assertThat(types).as(keyId).containsOnlyOnce("KeyCreated", "KeyVersionCreated");
                    assertThat(events).extracting(Entries.Entry::chain).as(keyId).containsOnly(events.get(0).chain());
                    // The key's own events: an alias event naming the key (AliasCreated by CreateKey's
                    // Alias) travels with it, but its sequence counts the account's alias registry.
                    List<Long> sequences = events.stream().filter(e -> !values.get(e).path("type").stringValue().startsWith("Alias"))
                            .map(e -> values.get(e).path("sequence").longValue()).toList();
                    assertThat(sequences).as(keyId).startsWith(0L, 1L);
                    for (int i = 1; i < sequences.size(); i++) {
                        assertThat(sequences.get(i)).as(keyId + " " + sequences).isGreaterThan(sequences.get(i - 1));
                    }
                }

                // verify passes…
                AuditConsumer.Verification intact = AuditConsumer.verify(settings);
                assertThat(intact.exit()).as(intact.output()).isZero();
                assertThat(intact.output()).contains(entries.size() + " entries intact");

                // …and names the entry one byte of whose stored value was changed: an Encrypt's audit
                // record answered during the outage, neither first nor last in its chain.
                Map<String, Long> lengths = entries.stream().collect(Collectors.groupingBy(Entries.Entry::chain, Collectors.counting()));
                Set<String> encrypts = calls.stream().filter(c -> c.action().equals("Encrypt") && c.error() == null)
                        .map(Call::requestId).collect(Collectors.toCollection(HashSet::new));
                Entries.Entry victim = entries.stream().filter(e -> e.topic().equals(AUDIT))
                        .filter(e -> e.seq() >= 2 && e.seq() < lengths.get(e.chain()))
                        .filter(e -> encrypts.contains(values.get(e).path("requestId").stringValue()))
                        .findFirst().orElseThrow();
                try (PreparedStatement update = connection.prepareStatement("""
                        UPDATE audit.entry SET value = set_byte(value, 20, get_byte(value, 20) # 1)
                        WHERE topic = ? AND kafka_partition = ? AND seq = ?""")) {
                    update.setString(1, victim.topic());
                    update.setInt(2, victim.partition());
                    update.setLong(3, victim.seq());
                    assertThat(update.executeUpdate()).isEqualTo(1);
                }
                AuditConsumer.Verification broken = AuditConsumer.verify(settings);
                assertThat(broken.exit()).as(broken.output()).isEqualTo(VerifyCommand.BROKEN);
                assertThat(broken.output()).contains("BROKEN " + victim.chain() + " offset=" + victim.offset()
                        + " seq=" + victim.seq() + " id=" + victim.id() + ": hash");
                // …and only that one.
                assertThat(broken.output().lines().filter(line -> line.startsWith("BROKEN "))).hasSize(1);
            }
            passed = true;
        } finally {
            // After a failure the broker's and the KMS's logs and data stay for a look.
            if (passed) {
                try (var files = Files.walk(work)) {
                    files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            } else {
                System.err.println("KmsToAuditConsumerIT: logs and data kept in " + work);
            }
        }
    }

    private static String createKey(Tc3Client client, List<Call> calls, String alias) throws Exception {
        JsonNode answer = call(client, calls, "CreateKey", null,
                "{\"Alias\":\"" + alias + "-" + UUID.randomUUID().toString().substring(0, 8) + "\"}");
        assertThat(answer.has("Error")).as(answer.toString()).isFalse();
        String keyId = answer.path("KeyId").stringValue();
        assertThat(keyId).as(answer.toString()).isNotBlank();
        return keyId;
    }

    private static void encrypt(Tc3Client client, List<Call> calls, String keyId, String text) throws Exception {
        JsonNode answer = call(client, calls, "Encrypt", keyId, "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\""
                + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)) + "\"}");
        assertThat(answer.has("Error")).as(answer.toString()).isFalse();
    }

    /** Calls the KMS refuses: an unknown key, a missing parameter, a wrong signature. Each is answered and audited. */
    private static void refusedCalls(Tc3Client client, List<Call> calls, int round) throws Exception {
        String unknown = UUID.randomUUID().toString();
        assertThat(call(client, calls, "Encrypt", unknown, "{\"KeyId\":\"" + unknown + "\",\"Plaintext\":\"AA==\"}")
                .has("Error")).isTrue();
        if (round % 2 == 0) {
            assertThat(call(client, calls, "Encrypt", null, "{\"Plaintext\":\"AA==\"}").has("Error")).isTrue();
        } else {
            Tc3Client forger = client.as("AKIDe2eforger" + round, "not-the-secret-key-0123456789abcd");
            assertThat(call(forger, calls, "ListKeys", null, "{}").has("Error")).isTrue();
        }
    }

    /** Calls the KMS, records the answer's RequestId (every answer has one) and error code. */
    private static JsonNode call(Tc3Client client, List<Call> calls, String action, String keyId, String body) throws Exception {
        JsonNode answer = client.call(action, body);
        String requestId = answer.path("RequestId").stringValue();
        assertThat(requestId).as(action + " " + answer).isNotBlank();
        JsonNode error = answer.path("Error");
        calls.add(new Call(action, keyId, requestId, error.isMissingNode() ? null : error.path("Code").stringValue()));
        return answer;
    }

    private static Set<String> requestIds(List<Call> calls) {
        return calls.stream().map(Call::requestId).collect(Collectors.toCollection(HashSet::new));
    }

    private static Set<String> chainedRequestIds(TestDatabases databases, String database) throws Exception {
        try (Connection connection = databases.connect(database)) {
            return Entries.all(connection).stream().filter(e -> e.topic().equals(AUDIT))
                    .map(e -> JSON.readTree(e.value()).path("requestId").stringValue())
                    .collect(Collectors.toCollection(HashSet::new));
        }
    }

    private static Map<String, List<String>> eventTypesByKey(TestDatabases databases, String database) throws Exception {
        try (Connection connection = databases.connect(database)) {
            Map<String, List<String>> types = new LinkedHashMap<>();
            for (Entries.Entry e : Entries.all(connection)) {
                if (e.topic().equals(EVENTS)) {
                    JsonNode event = JSON.readTree(e.value());
                    if (event.path("keyId").isString()) {
                        types.computeIfAbsent(event.path("keyId").stringValue(), k -> new ArrayList<>())
                                .add(event.path("type").stringValue());
                    }
                }
            }
            return types;
        }
    }
}
