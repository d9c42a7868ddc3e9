package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.opencmk.kms.server.support.AsymmetricSteps.body;
import static org.opencmk.kms.server.support.AsymmetricSteps.ok;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opencmk.kms.query.keyview.KeyView;
import org.opencmk.kms.server.projection.KeyViewSnapshots;
import org.opencmk.kms.server.projection.KeyViewSnapshotter;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.Nodes;
import org.opencmk.kms.server.support.RawClient;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Key view snapshots through a real server and PostgreSQL (issue 17, part 1): a restart restores
 * the newest snapshot and only the events after it, and answers what a full rebuild answers; a
 * snapshot of an older layout, with altered bytes, or that disagrees with the event store is
 * passed over and the view rebuilt from every event; with snapshots off, none is read.
 */
class KeyViewSnapshotIT {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private KmsServer server;
    private RawClient admin;

    @BeforeEach
    void start() {
        server = KmsServer.start(Map.of());
        admin = server.rawAdmin();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aRestartReadsTheSnapshotAndTheEventsAfterItAndAnswersAsAFullRebuildWould() throws Exception {
        List<String> keys = createKeys(12, "before");
        ok(admin, "DisableKey", body("KeyId", keys.get(1)));
        ok(admin, "ScheduleKeyDeletion", body("KeyId", keys.get(2), "PendingWindowInDays", 7));
        ok(admin, "UpdateAlias", body("Alias", "before-3", "KeyId", keys.get(4)));
        var written = server.bean(KeyViewSnapshotter.class).writeNow().orElseThrow();
        assertThat(written.content().keys()).isGreaterThanOrEqualTo(12);
        // after the snapshot: new keys and aliases, and changes to keys it holds
        List<String> later = createKeys(5, "after");
        ok(admin, "EnableKey", body("KeyId", keys.get(1)));
        ok(admin, "CancelKeyDeletion", body("KeyId", keys.get(2)));
        ok(admin, "DeleteAlias", body("Alias", "before-5"));
        ok(admin, "UpdateKeyDescription", body("KeyId", later.get(0), "Description", "changed after the snapshot"));
        List<JsonNode> before = listings();

        String log = restart();

        assertThat(log).contains("Key view restored from snapshot " + written.id() + " (");
        assertThat(listings()).isEqualTo(before);
        JsonNode rebuilt = dryRunRebuild();
        assertThat(rebuilt.path("Equal").asBoolean()).as("a full rebuild equals the restored view: %s", rebuilt).isTrue();
        ok(admin, "Encrypt", body("KeyId", "after-2", "Plaintext", "aGVsbG8="));
    }

    @Test
    void aSnapshotStoredInManyChunksIsReadInOrderAndItsKeysEncryptAfterTheRestart() throws Exception {
        List<String> keys = createKeys(10, "chunked");
        long position = server.bean(KeyViewSnapshotter.class).writeNow().orElseThrow().position();
        // the same view again, in chunks of 500 bytes: a start fetches them one ahead of its parsing
        KeyViewSnapshots small = new KeyViewSnapshots(server.bean(JdbcTemplate.class),
                server.bean(TransactionTemplate.class), server.bean(KeyView.class), Clock.systemUTC(), "test", 500);
        var written = small.write(GapAwareTrackingToken.newInstance(position, List.of())).orElseThrow();
        Integer chunks = server.bean(JdbcTemplate.class).queryForObject(
                "SELECT count(*) FROM kms_key_view_snapshot_chunk WHERE snapshot_id = ?", Integer.class, written.id());
        assertThat(chunks).isGreaterThan(5);
        createKeys(2, "chunked-later");
        List<JsonNode> before = listings();

        String log = restart();

        assertThat(log).contains("Key view restored from snapshot " + written.id() + " (");
        assertThat(log).containsPattern("\\d+ key-encryption keys in memory");
        assertThat(listings()).isEqualTo(before);
        // the KEKs read beside the restore, and the one learnt from an event after it
        ok(admin, "Encrypt", body("KeyId", keys.get(0), "Plaintext", "aGVsbG8="));
        ok(admin, "Encrypt", body("KeyId", keys.get(9), "Plaintext", "aGVsbG8="));
        ok(admin, "Encrypt", body("KeyId", "chunked-later-1", "Plaintext", "aGVsbG8="));
    }

    @ParameterizedTest
    @ValueSource(strings = {"older layout", "altered bytes", "another event at its position", "gaps that do not read"})
    void aSnapshotThatCannotBeTrustedIsPassedOverAndTheViewRebuiltFromEveryEvent(String fault) throws Exception {
        List<String> keys = createKeys(6, "kept");
        server.bean(KeyViewSnapshotter.class).writeNow().orElseThrow();
        ok(admin, "DisableKey", body("KeyId", keys.get(0)));
        List<JsonNode> before = listings();
        JdbcTemplate db = server.bean(JdbcTemplate.class);
        switch (fault) {
            case "older layout" -> db.update("UPDATE kms_key_view_snapshot SET layout = '0-000000000000'");
            case "altered bytes" -> db.update("UPDATE kms_key_view_snapshot_chunk"
                    + " SET data = set_byte(data, 200, (get_byte(data, 200) + 1) % 256)");
            case "another event at its position" -> db.update(
                    "UPDATE kms_key_view_snapshot SET anchor_sequence = anchor_sequence + 1");
            default -> db.update("UPDATE kms_key_view_snapshot SET token_gaps = 'x'");
        }

        String log = restart();

        assertThat(log).contains("not used, the key view is rebuilt from every event");
        assertThat(log).doesNotContain("Key view restored from snapshot");
        assertThat(log).containsPattern("Key view rebuilt from \\d+ events");
        assertThat(listings()).isEqualTo(before);
    }

    @Test
    void aServerThatStopsWritesALastSnapshotSoThatItsRestartReplaysNothing() throws Exception {
        server.close();
        server = KmsServer.startOn(Files.createTempDirectory("kms-it-"), Map.of("kms.key-view.snapshot-every", "5"));
        admin = server.rawAdmin();
        createKeys(4, "stopping");
        List<JsonNode> before = listings();

        String log = restart();

        assertThat(log).containsPattern("Key view restored from snapshot \\d+ \\(4 keys, 4 aliases, at event \\d+\\)"
                + " and 0 later events");
        assertThat(listings()).isEqualTo(before);
    }

    @Test
    void withSnapshotsOffNoneIsWrittenOrRead() throws Exception {
        createKeys(3, "off");
        server.bean(KeyViewSnapshotter.class).writeNow().orElseThrow();
        List<JsonNode> before = listings();
        server.close();
        server = KmsServer.startOn(Files.createTempDirectory("kms-it-"), Map.of("kms.key-view.snapshot-every", "0"));
        admin = server.rawAdmin();
        createKeys(3, "off");
        String log = restart();

        assertThat(log).containsPattern("Key view rebuilt from \\d+ events").doesNotContain("Key view restored");
        assertThat(server.bean(JdbcTemplate.class).queryForObject("SELECT count(*) FROM kms_key_view_snapshot",
                Integer.class)).isZero();
        assertThat(listings()).hasSameSizeAs(before);
    }

    @Test
    void aSnapshotWrittenByOneNodeIsReadByAnotherAndBothAgree() throws Exception {
        try (EmbeddedPostgres database = EmbeddedPostgres.builder().start()) {
            Map<String, String> shared = Nodes.sharing(database, Map.of());
            try (KmsServer first = KmsServer.start(shared); KmsServer second = KmsServer.start(shared)) {
                KmsServer ownServer = server;
                server = first;
                admin = first.rawAdmin();
                List<String> keys = createKeys(8, "cluster");
                var written = first.bean(KeyViewSnapshotter.class).writeNow().orElseThrow();
                ok(admin, "DisableKey", body("KeyId", keys.get(2)));
                createKeys(2, "cluster-later");
                List<JsonNode> onFirst = listings();

                server = second;
                admin = second.rawAdmin();
                String log = restart();
                assertThat(log).contains("Key view restored from snapshot " + written.id() + " (");
                assertThat(listings()).isEqualTo(onFirst);
                assertThat(dryRunRebuild().path("Equal").asBoolean()).isTrue();
                server = ownServer;
                admin = ownServer.rawAdmin();
            }
        }
    }

    private List<String> createKeys(int count, String prefix) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(ok(admin, "CreateKey", body("Alias", prefix + "-" + i, "Description", prefix))
                    .path("KeyId").asText());
        }
        return keys;
    }

    /** What the listings and a key's description answer, every field but the request id. */
    private List<JsonNode> listings() {
        List<JsonNode> answers = new ArrayList<>();
        answers.add(ok(admin, "ListKeyDetail", body("Limit", 100)));
        answers.add(ok(admin, "ListKeyDetail", body("Limit", 100, "OrderType", 1, "KeyState", 2)));
        answers.add(ok(admin, "ListKeys", body("Limit", 100)));
        answers.add(ok(admin, "ListAliases", body("Limit", 100)));
        answers.add(ok(admin, "GetServiceStatus", body()));
        answers.forEach(answer -> ((com.fasterxml.jackson.databind.node.ObjectNode) answer).remove("RequestId"));
        return answers;
    }

    private JsonNode dryRunRebuild() {
        String taskId = ok(admin, "RebuildProjections", body("DryRun", true)).path("TaskId").asText();
        AtomicReference<JsonNode> status = new AtomicReference<>();
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode now = ok(admin, "GetProjectionStatus", body());
            status.set(now);
            return taskId.equals(now.path("TaskId").asText()) && !"Running".equals(now.path("State").asText());
        });
        assertThat(status.get().path("State").asText()).isEqualTo("Succeeded");
        return status.get();
    }

    /** Restarts the server and returns what it logged from then on. */
    private String restart() throws IOException {
        // the log file of a start may appear only once something is logged to it
        long mark = Files.exists(server.logFile()) ? Files.size(server.logFile()) : 0;
        server.restart();
        byte[] all = Files.readAllBytes(server.logFile());
        return new String(all, (int) Math.min(mark, all.length), (int) Math.max(0, all.length - mark),
                java.nio.charset.StandardCharsets.UTF_8);
    }
}
