package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.opencmk.kms.server.support.AsymmetricSteps.body;
import static org.opencmk.kms.server.support.AsymmetricSteps.errorMessage;
import static org.opencmk.kms.server.support.AsymmetricSteps.ok;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.server.config.JdbcKekRepository;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.AsymmetricSteps;
import org.opencmk.kms.server.support.ImportSteps;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.LogCapture;
import org.opencmk.kms.server.support.RawClient;

/**
 * Replay on the KMS side (issue 15, part 4). RebuildProjections rebuilds the key view from the
 * event store while the service answers: a history of every kind of key and alias change (a key
 * deleted for good among them: here a "day" of the pending window lasts a second) is rebuilt
 * under a steady load of reads and writes, none of which may fail; the rebuilt view must equal
 * the live one, the API must answer exactly as before, the writes made meanwhile must all be
 * there, and the hooks must not have run again (every live key keeps its KEK in memory, the
 * deleted one does not get it back). RepublishEvents is refused clearly without Kafka (its Kafka
 * side is tested with a broker). Administrative credentials only.
 */
class ProjectionReplayIT {

    private static final Duration DAY = Duration.ofSeconds(1);
    private static final int PROGRESS_EVERY = 100;
    /** Events made in bulk, so that the rebuild takes long enough for the load to overlap it. */
    private static final int BULK_EVENTS = 1500;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final SecureRandom RANDOM = new SecureRandom();

    private static KmsServer server;
    private static LogCapture logs;

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of("kms.day-length", DAY.toString(),
                "kms.rebuild.progress-every", Integer.toString(PROGRESS_EVERY),
                "kms.throttle.requests-per-second", "100000", "kms.throttle.burst", "100000"));
        logs = LogCapture.start(); // after the start: Spring Boot sets Logback up afresh
    }

    @AfterAll
    static void stop() {
        try {
            server.close();
        } finally {
            logs.close();
        }
    }

    /** What the history left: the keys, aliases and ciphertexts to look at afterwards. */
    private record History(RawClient admin, RawClient other, List<String> liveKeys, String deletedKey,
                           String encryptingKey, Map<String, String> plaintextOfBlob) {
    }

    @Test
    void aRebuildUnderLoadEqualsTheLiveViewAndTheServiceAnswersAsBefore() throws Exception {
        History history = history();
        Accounts busy = Accounts.create(server, "busy-during-rebuild");
        String busyKey = ok(busy.raw(), "CreateKey", body("Description", "busy-0")).path("KeyId").asText();
        Map<String, JsonNode> before = snapshot(history);

        Load load = Load.start(history, busy.raw(), busyKey);
        String taskId;
        try {
            load.awaitCalls(20);
            JsonNode started;
            // First with the event store locked, so that the rebuild certainly runs while reads
            // are answered: it waits at its first read, and so do the writes (their commits).
            try (Connection lock = server.bean(DataSource.class).getConnection()) {
                lock.setAutoCommit(false);
                try (Statement statement = lock.createStatement()) {
                    statement.execute("LOCK TABLE domainevententry IN ACCESS EXCLUSIVE MODE");
                }
                started = ok(history.admin(), "RebuildProjections", body());
                taskId = started.path("TaskId").asText();
                load.awaitReads(load.reads.get() + 30);
                JsonNode running = ok(history.admin(), "GetProjectionStatus", body());
                assertThat(running.path("TaskId").asText()).isEqualTo(taskId);
                assertThat(running.path("State").asText()).as("reads answered while it ran").isEqualTo("Running");
                lock.rollback();
            }
            // Then the rebuild reads the history while the writes go on: its tail must hold them.
            JsonNode finished = awaitFinished(history.admin(), taskId);
            load.awaitCalls(load.calls.get() + 20); // and a little after the installation
            load.stop();

            assertThat(started.path("Started").asBoolean()).isTrue();
            assertThat(started.path("State").asText()).isEqualTo("Running");
            assertThat(finished.path("State").asText()).isEqualTo("Succeeded");
            assertThat(finished.path("Equal").asBoolean()).as("%s", finished).isTrue();
            assertThat(finished.path("DifferenceCount").asLong()).isZero();
            assertThat(finished.path("Differences")).isEmpty();
            assertThat(finished.path("Installed").asBoolean()).isTrue();
            assertThat(finished.path("DryRun").asBoolean()).isFalse();
            assertThat(finished.path("EventsRead").asLong()).isGreaterThan(BULK_EVENTS);
            assertThat(finished.path("KeyCount").asLong()).isGreaterThanOrEqualTo(history.liveKeys().size() + 1);
            assertThat(finished.path("DeletedKeyCount").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(finished.path("AliasCount").asLong()).isPositive();
            assertThat(finished.path("StartTime").asLong()).isPositive();
            assertThat(finished.path("EndTime").asLong()).isGreaterThanOrEqualTo(finished.path("StartTime").asLong());
            assertThat(finished.has("Message")).isFalse();
        } finally {
            load.stop();
        }
        assertThat(load.failures).as("every call made during the rebuild succeeded").isEmpty();
        assertThat(load.calls.get()).isPositive();

        assertThat(snapshot(history)).as("the API answers as before the rebuild").isEqualTo(before);
        for (Map.Entry<String, String> ciphertext : history.plaintextOfBlob().entrySet()) {
            assertThat(ok(history.admin(), "Decrypt", body("CiphertextBlob", ciphertext.getKey())).path("Plaintext")
                    .asText()).isEqualTo(ciphertext.getValue());
        }
        // nothing written while the rebuild ran was lost
        assertThat(ok(busy.raw(), "DescribeKey", body("KeyId", busyKey)).path("KeyMetadata").path("Description")
                .asText()).isEqualTo(load.lastDescription.get());
        List<String> busyAliases = new ArrayList<>();
        ok(busy.raw(), "ListAliases", body("Limit", 200)).path("Aliases")
                .forEach(alias -> busyAliases.add(alias.path("Alias").asText()));
        assertThat(busyAliases).containsExactlyInAnyOrderElementsOf(load.createdAliases);
        // the hooks did not run again: every live key keeps its KEK, the deleted one stays without
        JdbcKekRepository keks = server.bean(JdbcKekRepository.class);
        for (String keyId : history.liveKeys()) {
            assertThat(keks.find(new KeyId(keyId))).as("the KEK of %s", keyId).isPresent();
        }
        assertThat(keks.find(new KeyId(history.deletedKey()))).isEmpty();
        // and the installed view goes on being fed: a key made now is found and usable at once
        String newKey = ok(history.admin(), "CreateKey", body("Alias", "made-after-the-rebuild")).path("KeyId").asText();
        ok(history.admin(), "Encrypt", body("KeyId", "made-after-the-rebuild", "Plaintext", b64("after")));
        assertThat(keks.find(new KeyId(newKey))).isPresent();

        List<String> lines = logs.lines();
        assertThat(lines).anyMatch(line -> line.startsWith("Rebuilding the key view (task " + taskId + "): "
                + PROGRESS_EVERY + " events read, "));
        assertThat(lines.stream().filter(line -> line.startsWith("Rebuilding the key view (task " + taskId + "): ")
                && line.contains(" keys (deleted ones included), ") && line.endsWith(" events/s")))
                .hasSizeGreaterThanOrEqualTo(BULK_EVENTS / PROGRESS_EVERY);
        assertThat(lines).anyMatch(line -> line.startsWith("Key view rebuilt (task " + taskId + "): ")
                && line.contains(" events read in ") && line.contains(" aliases"));
        assertThat(lines).contains("Key view rebuilt (task " + taskId + "): equal to the live view, every key record and alias",
                "Key view rebuilt (task " + taskId + "): installed as the live view");
    }

    @Test
    void aSecondStartWhileOneRunsAnswersTheRunningRebuild() throws Exception {
        RawClient admin = server.rawAdmin();
        String taskId;
        // The event store locked, the rebuild waits at its first read: certainly still running.
        try (Connection lock = server.bean(DataSource.class).getConnection()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("LOCK TABLE domainevententry IN ACCESS EXCLUSIVE MODE");
            }
            JsonNode first = ok(admin, "RebuildProjections", body());
            taskId = first.path("TaskId").asText();
            JsonNode second = ok(admin, "RebuildProjections", body("DryRun", true));
            JsonNode running = ok(admin, "GetProjectionStatus", body());
            lock.rollback();

            assertThat(first.path("Started").asBoolean()).isTrue();
            assertThat(second.path("Started").asBoolean()).isFalse();
            assertThat(second.path("TaskId").asText()).isEqualTo(taskId);
            assertThat(second.path("State").asText()).isEqualTo("Running");
            assertThat(running.path("TaskId").asText()).isEqualTo(taskId);
            assertThat(running.path("State").asText()).isEqualTo("Running");
            assertThat(running.path("DryRun").asBoolean()).as("the running one's").isFalse();
            assertThat(running.path("EndTime").asLong()).isZero();
            assertThat(running.has("Equal")).isFalse();
        }
        JsonNode finished = awaitFinished(admin, taskId);
        assertThat(finished.path("Equal").asBoolean()).isTrue();
        assertThat(finished.path("Installed").asBoolean()).isTrue();
    }

    @Test
    void aDryRunComparesAndKeepsTheLiveView() {
        RawClient admin = server.rawAdmin();
        ok(admin, "CreateKey", body("Alias", "dry-run"));

        JsonNode started = ok(admin, "RebuildProjections", body("DryRun", true));
        JsonNode finished = awaitFinished(admin, started.path("TaskId").asText());

        assertThat(finished.path("State").asText()).isEqualTo("Succeeded");
        assertThat(finished.path("DryRun").asBoolean()).isTrue();
        assertThat(finished.path("Equal").asBoolean()).isTrue();
        assertThat(finished.path("Installed").asBoolean()).isFalse();
        assertThat(logs.lines()).contains("Key view rebuilt (task " + started.path("TaskId").asText()
                + "): not installed (a dry run); the live view is unchanged");
        ok(admin, "DescribeKey", body("KeyId", "dry-run"));
    }

    @Test
    void onlyAnAdministrativeCredentialMayReplay() {
        RawClient user = Accounts.create(server, "not-an-administrator").raw();

        for (String action : List.of("RebuildProjections", "GetProjectionStatus", "RepublishEvents")) {
            assertThat(errorMessage(user, action, body(), "UnauthorizedOperation"))
                    .isEqualTo("only an administrative credential may do this");
        }
    }

    @Test
    void republishingWithoutKafkaIsRefusedClearly() {
        for (Map<String, Object> request : List.of(body(), body("IncludeAuditRecords", true))) {
            assertThat(errorMessage(server.rawAdmin(), "RepublishEvents", request, "UnsupportedOperation"))
                    .contains("not published to Kafka").contains("KMS_KAFKA_BOOTSTRAP_SERVERS");
        }
    }

    // ---- the history -----------------------------------------------------------------------------

    /**
     * Keys of every kind in two accounts: symmetric (AES and SM4) rotated on demand and on a
     * schedule, disabled and enabled, described anew; asymmetric ones with more versions; an
     * EXTERNAL key with imported material; aliases created, renamed, re-pointed and deleted; a
     * deletion cancelled and one that fires; and a bulk of description changes.
     */
    private static History history() throws Exception {
        RawClient admin = server.rawAdmin();
        Accounts otherAccount = Accounts.create(server, "replay-other");
        RawClient other = otherAccount.raw();
        List<String> live = new ArrayList<>();
        Map<String, String> plaintextOfBlob = new LinkedHashMap<>();

        String doomed = ok(admin, "CreateKey", body("Alias", "doomed")).path("KeyId").asText();
        ok(admin, "CreateAlias", body("Alias", "doomed-too", "KeyId", doomed));
        ok(admin, "ScheduleKeyDeletion", body("KeyId", doomed, "PendingWindowInDays", 7));

        String alpha = ok(admin, "CreateKey", body("Alias", "alpha", "Description", "first")).path("KeyId").asText();
        live.add(alpha);
        plaintextOfBlob.put(encrypt(admin, alpha, "before any rotation"), b64("before any rotation"));
        ok(admin, "RotateKey", body("KeyId", alpha));
        ok(admin, "RotateKey", body("KeyId", alpha));
        ok(admin, "EnableKeyRotation", body("KeyId", alpha, "RotateDays", 30));
        ok(admin, "UpdateKeyDescription", body("KeyId", alpha, "Description", "second"));
        ok(admin, "DisableKey", body("KeyId", alpha));
        ok(admin, "EnableKey", body("KeyId", alpha));
        plaintextOfBlob.put(encrypt(admin, "alpha", "after two rotations"), b64("after two rotations"));

        String sm4 = ok(admin, "CreateKey", body("KeySpec", "SM4", "Alias", "sm4-key")).path("KeyId").asText();
        live.add(sm4);
        plaintextOfBlob.put(encrypt(admin, sm4, "sm4"), b64("sm4"));
        ok(admin, "DisableKeyRotation", body("KeyId", alpha));

        String ecc = AsymmetricSteps.createKey(server.adminClient(), AsymmetricSteps.SIGN_ECC, "ecc-signing");
        live.add(ecc);
        ok(admin, "CreateKeyVersion", body("KeyId", ecc));
        ok(admin, "CreateKeyVersion", body("KeyId", ecc));
        String rsa = AsymmetricSteps.createKey(server.adminClient(), AsymmetricSteps.DECRYPT_RSA);
        live.add(rsa);
        String sm2 = AsymmetricSteps.createKey(server.adminClient(), AsymmetricSteps.SIGN_SM2);
        live.add(sm2);
        ok(admin, "DisableKey", body("KeyId", sm2));

        String external = ImportSteps.createExternalKey(server.adminClient(), "imported", "brought along");
        live.add(external);
        var parameters = ImportSteps.rsaParameters(server.adminClient(), external);
        byte[] material = new byte[32];
        RANDOM.nextBytes(material);
        ImportSteps.importMaterial(server.adminClient(), external,
                ImportSteps.wrapOaepSha256(parameters.getPublicKey(), material), parameters.getImportToken(), null);
        plaintextOfBlob.put(encrypt(admin, external, "imported"), b64("imported"));

        String cancelled = ok(admin, "CreateKey", body("Description", "spared")).path("KeyId").asText();
        live.add(cancelled);
        ok(admin, "ScheduleKeyDeletion", body("KeyId", cancelled, "PendingWindowInDays", 30));
        ok(admin, "CancelKeyDeletion", body("KeyId", cancelled));

        // aliases: one renamed (a key with one alias, a new name), one re-pointed, one deleted
        ok(admin, "CreateAlias", body("Alias", "renamed-from", "KeyId", cancelled));
        ok(admin, "UpdateAlias", body("Alias", "renamed-to", "KeyId", cancelled));
        ok(admin, "CreateAlias", body("Alias", "moving", "KeyId", alpha));
        ok(admin, "UpdateAlias", body("Alias", "moving", "KeyId", sm4));
        ok(admin, "CreateAlias", body("Alias", "short-lived", "KeyId", alpha));
        ok(admin, "DeleteAlias", body("Alias", "short-lived"));

        String otherKey = ok(other, "CreateKey", body("Alias", "theirs")).path("KeyId").asText();
        ok(other, "CreateAlias", body("Alias", "theirs-too", "KeyId", otherKey));
        ok(other, "DeleteAlias", body("Alias", "theirs-too"));
        ok(other, "CreateAlias", body("Alias", "alpha", "KeyId", otherKey)); // the same name in another account
        String otherSigning = AsymmetricSteps.createKey(otherAccount.sdk(), AsymmetricSteps.SIGN_ECC, "their-signing");
        plaintextOfBlob.put(encrypt(admin, alpha, "admin's"), b64("admin's"));
        bulk(other, otherKey);

        awaitDeleted(admin, doomed);
        List<String> all = new ArrayList<>(live);
        all.add(otherKey);
        all.add(otherSigning);
        return new History(admin, other, all, doomed, alpha, plaintextOfBlob);
    }

    /** {@link #BULK_EVENTS} description changes, one event each, from several threads. */
    private static void bulk(RawClient raw, String keyId) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> changes = new ArrayList<>();
            for (int i = 0; i < BULK_EVENTS; i++) {
                String description = "bulk " + i;
                changes.add(threads.submit(() -> ok(raw, "UpdateKeyDescription",
                        body("KeyId", keyId, "Description", description))));
            }
            for (Future<?> change : changes) {
                change.get();
            }
        } finally {
            threads.shutdownNow();
        }
        ok(raw, "UpdateKeyDescription", body("KeyId", keyId, "Description", "settled"));
    }

    private static void awaitDeleted(RawClient admin, String keyId) {
        await().atMost(DAY.multipliedBy(7).plus(PATIENCE)).pollInterval(Duration.ofMillis(250)).until(() ->
                "ResourceUnavailable.CmkNotFound".equals(AsymmetricSteps.call(admin, "DescribeKey",
                        body("KeyId", keyId)).errorCode()));
    }

    /**
     * What the API answers about both accounts: ListKeys, ListKeyDetail, ListAliases and, per
     * key, DescribeKey, GetKeyRotationStatus, ListKeyVersions, ListAliasesByKeyId and an
     * asymmetric key's GetPublicKey, each without its RequestId.
     */
    private static Map<String, JsonNode> snapshot(History history) {
        Map<String, JsonNode> answers = new LinkedHashMap<>();
        for (Map.Entry<String, RawClient> account : Map.of("admin", history.admin(), "other", history.other()).entrySet()) {
            RawClient raw = account.getValue();
            String prefix = account.getKey() + " ";
            answers.put(prefix + "ListKeys", answer(raw, "ListKeys", body("Limit", 200)));
            answers.put(prefix + "ListKeyDetail", answer(raw, "ListKeyDetail", body("Limit", 200, "KeyUsage", "ALL",
                    "OrderType", 1)));
            answers.put(prefix + "ListAliases", answer(raw, "ListAliases", body("Limit", 200)));
            for (JsonNode key : answers.get(prefix + "ListKeys").path("Keys")) {
                String keyId = key.path("KeyId").asText();
                answers.put(prefix + "DescribeKey " + keyId, answer(raw, "DescribeKey", body("KeyId", keyId)));
                answers.put(prefix + "GetKeyRotationStatus " + keyId, answer(raw, "GetKeyRotationStatus",
                        body("KeyId", keyId)));
                answers.put(prefix + "ListKeyVersions " + keyId, answer(raw, "ListKeyVersions",
                        body("KeyId", keyId, "Limit", 200)));
                answers.put(prefix + "ListAliasesByKeyId " + keyId, answer(raw, "ListAliasesByKeyId",
                        body("KeyId", keyId)));
                JsonNode metadata = answers.get(prefix + "DescribeKey " + keyId).path("KeyMetadata");
                if (metadata.path("KeyUsage").asText().startsWith("ASYMMETRIC")
                        && "Enabled".equals(metadata.path("KeyState").asText())) {
                    answers.put(prefix + "GetPublicKey " + keyId, answer(raw, "GetPublicKey", body("KeyId", keyId)));
                }
            }
        }
        assertThat(answers.get("admin ListKeys").path("TotalCount").asInt()).isGreaterThanOrEqualTo(8);
        return answers;
    }

    /** The answer of a call that must succeed, without its RequestId (or any error). */
    private static JsonNode answer(RawClient raw, String action, Map<String, Object> body) {
        ObjectNode response = ok(raw, action, body).deepCopy();
        response.remove("RequestId");
        return response;
    }

    private static JsonNode awaitFinished(RawClient admin, String taskId) {
        AtomicReference<JsonNode> status = new AtomicReference<>();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode now = ok(admin, "GetProjectionStatus", body());
            status.set(now);
            return taskId.equals(now.path("TaskId").asText()) && !"Running".equals(now.path("State").asText());
        });
        return status.get();
    }

    private static String encrypt(RawClient raw, String keyId, String plaintext) {
        return ok(raw, "Encrypt", body("KeyId", keyId, "Plaintext", b64(plaintext))).path("CiphertextBlob").asText();
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    // ---- the load ----------------------------------------------------------------------------------

    /**
     * Calls that must all succeed while the rebuild runs: Encrypt, Decrypt and DescribeKey by alias
     * in both accounts (reads of the view), and in an account of its own description changes and
     * new aliases (writes: events committed during the rebuild, which the installed view must hold).
     */
    private static final class Load {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong calls = new AtomicLong();
        private final AtomicLong reads = new AtomicLong();
        private final Queue<String> failures = new ConcurrentLinkedQueue<>();
        private final AtomicReference<String> lastDescription = new AtomicReference<>("busy-0");
        private final Queue<String> createdAliases = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();

        static Load start(History history, RawClient busy, String busyKey) {
            Load load = new Load();
            String blob = history.plaintextOfBlob().keySet().iterator().next();
            load.loop("encrypt", () -> {
                String ciphertext = load.read(history.admin(), "Encrypt", body("KeyId", "alpha", "Plaintext", b64("load")))
                        .path("CiphertextBlob").asText();
                load.read(history.admin(), "Decrypt", body("CiphertextBlob", ciphertext));
                load.read(history.admin(), "Decrypt", body("CiphertextBlob", blob));
            });
            load.loop("describe", () -> {
                load.read(history.admin(), "DescribeKey", body("KeyId", "alias/renamed-to"));
                load.read(history.other(), "DescribeKey", body("KeyId", "alpha"));
                load.read(history.admin(), "ListKeys", body());
            });
            int[] round = {0};
            load.loop("write", () -> {
                round[0]++;
                String description = "busy-" + round[0];
                load.call(busy, "UpdateKeyDescription", body("KeyId", busyKey, "Description", description));
                load.lastDescription.set(description);
                if (round[0] % 5 == 0) {
                    String alias = "busy-" + round[0];
                    load.call(busy, "CreateAlias", body("Alias", alias, "KeyId", busyKey));
                    load.createdAliases.add(alias);
                }
            });
            return load;
        }

        private void loop(String name, Runnable round) {
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        round.run();
                    } catch (RuntimeException | AssertionError e) {
                        failures.add(name + ": " + e);
                        return;
                    }
                }
            }, "replay-load-" + name);
            thread.start();
            threads.add(thread);
        }

        private JsonNode call(RawClient raw, String action, Map<String, Object> body) {
            RawClient.Answer answer = AsymmetricSteps.call(raw, action, body);
            if (answer.errorCode() != null) {
                throw new AssertionError(action + " answered " + answer.response());
            }
            calls.incrementAndGet();
            return answer.response();
        }

        private JsonNode read(RawClient raw, String action, Map<String, Object> body) {
            JsonNode response = call(raw, action, body);
            reads.incrementAndGet();
            return response;
        }

        void awaitReads(long count) {
            await().atMost(PATIENCE).until(() -> reads.get() >= count || !failures.isEmpty());
        }

        void awaitCalls(long count) {
            await().atMost(PATIENCE).until(() -> calls.get() >= count || !failures.isEmpty());
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(PATIENCE.toMillis());
            }
        }
    }
}
