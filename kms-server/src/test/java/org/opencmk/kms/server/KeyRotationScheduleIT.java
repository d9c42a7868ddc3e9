package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.opencmk.kms.server.KeyRotationIT.PAYLOAD;
import static org.opencmk.kms.server.KeyRotationIT.decrypt;
import static org.opencmk.kms.server.KeyRotationIT.describe;
import static org.opencmk.kms.server.KeyRotationIT.enableRotation;
import static org.opencmk.kms.server.KeyRotationIT.encrypt;
import static org.opencmk.kms.server.KeyRotationIT.listVersions;
import static org.opencmk.kms.server.KeyRotationIT.status;
import static org.opencmk.kms.server.support.Sdk.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DisableKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DisableKeyRotationRequest;
import com.tencentcloudapi.kms.v20190118.models.EnableKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.GetKeyRotationStatusRequest;
import com.tencentcloudapi.kms.v20190118.models.KeyMetadata;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.NextKeyRotationScheduled;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.KmsServer;

/**
 * Scheduled rotation coming due (CTyun guide 3.2.6; seed 003 "设置自动轮转"): here a "day" lasts
 * one second, so the shortest period, 7 days, is 7 seconds. Every wait on the schedule is bounded
 * by the periods it spans plus {@link #PATIENCE}, reached only if the feature is broken; the one
 * wait that asserts that nothing happens ("no new version once rotation is off") watches two
 * whole periods. The tests share one server (one restarts it) and nothing else.
 */
@TestMethodOrder(MethodOrderer.Random.class)
class KeyRotationScheduleIT {

    static final Duration DAY = Duration.ofSeconds(1);
    static final long ROTATE_DAYS = 7;
    static final Duration PERIOD = DAY.multipliedBy(ROTATE_DAYS);
    /** Bounds every wait on a condition, on top of the periods it spans; reached only if the feature is broken. */
    static final Duration PATIENCE = Duration.ofSeconds(60);
    static final Duration POLL = Duration.ofMillis(250);

    private static KmsServer server;
    private Accounts account;
    private KmsClient kms;

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of("kms.day-length", DAY.toString()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void freshAccount() {
        account = Accounts.create(server, "schedule");
        kms = account.sdk();
    }

    @Test
    void aScheduledRotationComesDueEveryPeriodUntilRotationIsDisabled() throws Exception {
        String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        JsonNode old = encrypt(kms, keyId);
        String firstVersion = old.path("KeyVersionId").asText();

        Instant before = Instant.now();
        enableRotation(kms, keyId, ROTATE_DAYS);
        Instant after = Instant.now();

        GetKeyRotationStatusRequest sdkStatus = new GetKeyRotationStatusRequest();
        sdkStatus.setKeyId(keyId);
        assertThat(kms.GetKeyRotationStatus(sdkStatus).getKeyRotationEnabled()).isTrue();
        JsonNode status = status(kms, keyId);
        assertThat(status.path("RotateDays").asLong()).isEqualTo(ROTATE_DAYS);
        long firstDue = status.path("NextRotateTime").asLong();
        assertThat(firstDue).as("one period from now")
                .isBetween(before.plus(PERIOD).getEpochSecond(), after.plus(PERIOD).getEpochSecond());
        assertThat(status.path("LastRotateTime").asLong()).isZero();
        KeyMetadata described = describe(kms, keyId);
        assertThat(described.getKeyRotationEnabled()).isTrue();
        assertThat(described.getRotateDays()).isEqualTo(ROTATE_DAYS);
        assertThat(described.getNextRotateTime()).isEqualTo(firstDue);

        await().atMost(PERIOD.plus(PATIENCE)).pollInterval(POLL).until(() -> versionCount(kms, keyId) >= 2);
        JsonNode versions = listVersions(kms, keyId).path("KeyVersions");
        JsonNode rotated = versions.get(0);
        assertThat(rotated.path("KeyVersionId").asText()).isNotEqualTo(firstVersion);
        assertThat(rotated.path("IsPrimary").asBoolean()).as("the new version is the primary").isTrue();
        assertThat(versions.findValues("IsPrimary")).filteredOn(JsonNode::asBoolean).hasSize(1);
        assertThat(rotated.path("CreateTime").asLong()).as("not before it was due").isGreaterThanOrEqualTo(firstDue);
        String encryptedWith = encrypt(kms, keyId).path("KeyVersionId").asText();
        assertThat(encryptedWith).as("Encrypt uses a rotated version").isNotEqualTo(firstVersion)
                .isIn(listVersions(kms, keyId).path("KeyVersions").findValuesAsText("KeyVersionId"));
        JsonNode back = decrypt(kms, old.path("CiphertextBlob").asText());
        assertThat(text(back.path("Plaintext").asText())).as("the old ciphertext still decrypts").isEqualTo(PAYLOAD);
        assertThat(back.path("KeyVersionId").asText()).isEqualTo(firstVersion);
        // the turn's two events (new version, next turn) may reach the key view a moment apart
        await().atMost(PATIENCE).pollInterval(POLL).until(() -> status(kms, keyId).path("NextRotateTime").asLong() > firstDue);
        JsonNode moved = status(kms, keyId);
        assertThat(moved.path("NextRotateTime").asLong()).as("the next turn is a period later")
                .isGreaterThanOrEqualTo(firstDue + PERIOD.toSeconds());
        assertThat(moved.path("KeyRotationEnabled").asBoolean()).isTrue();
        assertThat(moved.path("LastRotateTime").asLong()).isGreaterThanOrEqualTo(firstDue);
        assertThat(describe(kms, keyId).getLastRotateTime()).isEqualTo(moved.path("LastRotateTime").asLong());

        disableRotation(kms, keyId);

        JsonNode off = status(kms, keyId);
        assertThat(off.path("KeyRotationEnabled").asBoolean()).isFalse();
        assertThat(off.path("NextRotateTime").asLong()).isZero();
        assertThat(describe(kms, keyId).getKeyRotationEnabled()).isFalse();
        int count = versionCount(kms, keyId);
        // Nothing may happen over two whole periods: the condition is checked all along, not once at the end.
        await().during(PERIOD.multipliedBy(2)).atMost(PERIOD.multipliedBy(2).plus(PATIENCE)).pollInterval(POLL)
                .until(() -> versionCount(kms, keyId) == count);
        assertThat(listVersions(kms, keyId).path("KeyVersions").findValuesAsText("KeyVersionId"))
                .as("the versions stay, the oldest too").contains(firstVersion);
    }

    /**
     * A key that is Disabled when its turn comes is not rotated; the turn is taken (NextRotateTime
     * moves on a period) and the key rotates again at the next turn after it is enabled, not at
     * the moment it is enabled: missed turns are not made up.
     */
    @Test
    void aDisabledKeyIsSkippedAtItsTurnAndRotatesAtTheNextTurnOnceEnabled() throws Exception {
        String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        enableRotation(kms, keyId, ROTATE_DAYS);
        DisableKeyRequest disable = new DisableKeyRequest();
        disable.setKeyId(keyId);
        kms.DisableKey(disable);
        long skippedTurn = status(kms, keyId).path("NextRotateTime").asLong();
        // Had the turn come before the key was disabled, this run would prove nothing: say so.
        assumeTrue(Instant.now().isBefore(Instant.ofEpochSecond(skippedTurn)), "the key took a whole period to disable");

        await().atMost(PERIOD.plus(PATIENCE)).pollInterval(POLL)
                .until(() -> status(kms, keyId).path("NextRotateTime").asLong() > skippedTurn);
        assertThat(versionCount(kms, keyId)).as("no version at a Disabled key's turn").isEqualTo(1);
        assertThat(describe(kms, keyId).getLastRotateTime()).isZero();
        JsonNode afterSkip = status(kms, keyId);
        assertThat(afterSkip.path("KeyRotationEnabled").asBoolean()).as("the schedule stays on").isTrue();
        long nextTurn = afterSkip.path("NextRotateTime").asLong();
        assertThat(nextTurn).isGreaterThanOrEqualTo(skippedTurn + PERIOD.toSeconds());

        EnableKeyRequest enable = new EnableKeyRequest();
        enable.setKeyId(keyId);
        kms.EnableKey(enable);
        assertThat(versionCount(kms, keyId)).as("enabling the key does not rotate it").isEqualTo(1);

        await().atMost(PERIOD.multipliedBy(2).plus(PATIENCE)).pollInterval(POLL).until(() -> versionCount(kms, keyId) >= 2);
        JsonNode versions = listVersions(kms, keyId);
        assertThat(versions.path("TotalCount").asInt()).isEqualTo(2);
        assertThat(versions.path("KeyVersions").get(0).path("CreateTime").asLong()).as("at the next turn")
                .isGreaterThanOrEqualTo(nextTurn);
        disableRotation(kms, keyId);
    }

    /**
     * The schedule is a persistent deadline: a turn that came due while the server was down is
     * taken once right after it starts (the turns missed are not made up), and the next turn is a
     * period after that one.
     */
    @Test
    void theScheduleSurvivesARestartAndTurnsMissedWhileDownAreNotMadeUp() throws Exception {
        String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        JsonNode old = encrypt(kms, keyId);
        enableRotation(kms, keyId, ROTATE_DAYS);
        Instant due = Instant.ofEpochSecond(status(kms, keyId).path("NextRotateTime").asLong());

        server.stop();
        assumeTrue(Instant.now().isBefore(due), "the server took a whole period to stop");
        Instant twoTurnsMissed = due.plus(PERIOD).plusSeconds(1);
        await().atMost(PERIOD.multipliedBy(2).plus(PATIENCE)).until(() -> Instant.now().isAfter(twoTurnsMissed));
        Instant startedAt = Instant.now();
        server.start();

        KmsClient after = server.client(account.secretId(), account.secretKey());
        await().atMost(PATIENCE).pollInterval(POLL).until(() -> versionCount(after, keyId) >= 2);
        long caughtUp = oldestFirst(after, keyId).get(1).path("CreateTime").asLong();
        assertThat(caughtUp).as("the turn missed is taken after the start").isGreaterThanOrEqualTo(startedAt.getEpochSecond());

        await().atMost(PERIOD.plus(PATIENCE)).pollInterval(POLL).until(() -> versionCount(after, keyId) >= 3);
        long nextOne = oldestFirst(after, keyId).get(2).path("CreateTime").asLong();
        assertThat(nextOne).as("one turn at start, the next a whole period later: no burst of turns made up")
                .isGreaterThanOrEqualTo(caughtUp + PERIOD.toSeconds());
        disableRotation(after, keyId);

        List<Object> history = history(server, keyId);
        List<NextKeyRotationScheduled> turns = ofType(history, NextKeyRotationScheduled.class);
        assertThat(turns).as("every turn rotated the Enabled key").allMatch(NextKeyRotationScheduled::rotated);
        assertThat(ofType(history, KeyVersionCreated.class)).as("one version per turn, plus the first")
                .hasSize(1 + turns.size());
        assertThat(turns.get(0).nextRotateTime().getEpochSecond()).as("the turn after the catch-up is a period after it")
                .isEqualTo(caughtUp + PERIOD.toSeconds());
        JsonNode back = decrypt(after, old.path("CiphertextBlob").asText());
        assertThat(text(back.path("Plaintext").asText())).isEqualTo(PAYLOAD);
        assertThat(back.path("KeyVersionId").asText()).isEqualTo(old.path("KeyVersionId").asText());
    }

    static int versionCount(KmsClient kms, String keyId) throws Exception {
        return listVersions(kms, keyId).path("TotalCount").asInt();
    }

    private static List<JsonNode> oldestFirst(KmsClient kms, String keyId) throws Exception {
        List<JsonNode> versions = new java.util.ArrayList<>();
        listVersions(kms, keyId).path("KeyVersions").forEach(versions::add);
        java.util.Collections.reverse(versions);
        return versions;
    }

    static void disableRotation(KmsClient kms, String keyId) throws Exception {
        DisableKeyRotationRequest request = new DisableKeyRotationRequest();
        request.setKeyId(keyId);
        kms.DisableKeyRotation(request);
    }

    /** The key's events, oldest first, as the event store holds them. */
    static List<Object> history(KmsServer server, String keyId) {
        return server.bean(EventStore.class).readEvents(keyId).asStream().map(Message::getPayload)
                .map(Object.class::cast).toList();
    }

    static <T> List<T> ofType(List<Object> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
