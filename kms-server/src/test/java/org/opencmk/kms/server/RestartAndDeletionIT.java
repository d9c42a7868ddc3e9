package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.opencmk.kms.server.support.Sdk.assertError;
import static org.opencmk.kms.server.support.Sdk.b64;
import static org.opencmk.kms.server.support.Sdk.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DescribeKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.GenerateDataKeyRequest;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.opencmk.kms.server.support.KmsServer;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What must survive a restart (keys, aliases, pending deadlines; old ciphertexts decrypt), and a
 * deletion whose deadline really fires: here a "day" of the pending window lasts one second.
 * The tests share one server (restarting it as they need) but nothing else: each makes its own
 * keys, and they run in random order to keep it so.
 */
@TestMethodOrder(MethodOrderer.Random.class)
class RestartAndDeletionIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DAY = Duration.ofSeconds(1);
    private static final int WINDOW_DAYS = 7;
    private static final Duration WINDOW = DAY.multipliedBy(WINDOW_DAYS);
    /** The answer's DeletionDate is in whole seconds: the real date may be up to this much later. */
    private static final Duration DELETION_DATE_PRECISION = Duration.ofSeconds(1);
    /** Bounds every wait on a condition; reached only if the feature is broken. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String SECRET_PAYLOAD = "top secret payload 4711";
    private static final String CONTEXT = "{\"purpose\":\"restart\"}";

    private static KmsServer server;

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of("kms.day-length", DAY.toString()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void keysAliasesAndCiphertextsSurviveARestart() throws Exception {
        KmsClient kms = server.adminClient();
        CreateKeyRequest create = new CreateKeyRequest();
        create.setAlias("survivor");
        String keyId = kms.CreateKey(create).getKeyId();
        String blob = encrypt(kms, keyId);
        GenerateDataKeyRequest dataKey = new GenerateDataKeyRequest();
        dataKey.setKeyId("survivor");
        dataKey.setKeySpec("AES_256");
        var generated = kms.GenerateDataKey(dataKey);

        server.restart();

        KmsClient after = server.adminClient();
        assertThat(decrypt(after, blob)).isEqualTo(SECRET_PAYLOAD);
        JsonNode dataKeyBack = JSON.readTree(after.call("Decrypt", "{\"CiphertextBlob\":\"" + generated.getCiphertextBlob() + "\"}"))
                .path("Response");
        assertThat(dataKeyBack.path("Plaintext").asText()).isEqualTo(generated.getPlaintext());
        DescribeKeyRequest byAlias = new DescribeKeyRequest();
        byAlias.setKeyId("survivor");
        assertThat(after.DescribeKey(byAlias).getKeyMetadata().getKeyId()).isEqualTo(keyId);
    }

    @Test
    void theRootKeyAndBootstrapStateAreKeptPrivateOnDisk() throws Exception {
        var rootKey = server.dataDir().resolve("root.key");
        assertThat(Files.getPosixFilePermissions(rootKey))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        Integer plainSecrets = server.bean(JdbcTemplate.class).queryForObject(
                "SELECT count(*) FROM kms_credential WHERE position(convert_to(?, 'UTF8') in wrapped_secret_key) > 0",
                Integer.class, KmsServer.BOOTSTRAP_SECRET_KEY);
        assertThat(plainSecrets).as("SecretKeys rest only wrapped").isZero();
    }

    @Test
    void whenThePendingWindowEndsTheKeyItsAliasesAndItsKeyEncryptionKeyAreGoneForGood() throws Exception {
        KmsClient kms = server.adminClient();
        CreateKeyRequest bystanderRequest = new CreateKeyRequest();
        bystanderRequest.setAlias("bystander");
        String bystander = kms.CreateKey(bystanderRequest).getKeyId();
        CreateKeyRequest create = new CreateKeyRequest();
        create.setAlias("doomed");
        String doomed = kms.CreateKey(create).getKeyId();
        kms.call("CreateAlias", "{\"Alias\":\"doomed-too\",\"KeyId\":\"" + doomed + "\"}");
        String doomedBlob = encrypt(kms, doomed);
        assertThat(keyEncryptionKeys(doomed)).isEqualTo(1);

        Instant before = Instant.now();
        Instant deletionDate = scheduleDeletion(kms, doomed);
        Instant after = Instant.now();
        assertThat(deletionDate).as("the pending window starts when it is asked for")
                .isBetween(before.plus(WINDOW).minus(DELETION_DATE_PRECISION), after.plus(WINDOW));

        awaitGone(kms, doomed);
        assertThat(Instant.now()).as("not before its date").isAfterOrEqualTo(deletionDate);
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.call("Decrypt", "{\"CiphertextBlob\":\"" + doomedBlob + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.call("DescribeKey", "{\"KeyId\":\"doomed\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.call("CancelKeyDeletion", "{\"KeyId\":\"" + doomed + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.call("EnableKey", "{\"KeyId\":\"" + doomed + "\"}"));
        JsonNode aliases = JSON.readTree(kms.call("ListAliases", "{}")).path("Response").path("Aliases");
        assertThat(aliases.findValuesAsText("Alias")).doesNotContain("doomed", "doomed-too").contains("bystander");
        assertThat(keyEncryptionKeys(doomed)).as("crypto-shredded").isZero();
        assertThat(keyEncryptionKeys(bystander)).isEqualTo(1);

        server.restart();

        KmsClient restarted = server.adminClient();
        assertError("ResourceUnavailable.CmkNotFound", () -> restarted.call("DescribeKey", "{\"KeyId\":\"" + doomed + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> restarted.call("Decrypt", "{\"CiphertextBlob\":\"" + doomedBlob + "\"}"));
        CreateKeyRequest reuse = new CreateKeyRequest();
        reuse.setAlias("doomed");
        assertThat(restarted.CreateKey(reuse).getKeyId()).as("the deleted key's alias is free again").isNotEqualTo(doomed);
    }

    @Test
    void aDeadlineThatComesDueWhileTheServerIsDownFiresAfterItStarts() throws Exception {
        KmsClient kms = server.adminClient();
        String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        String cancelled = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        String blob = encrypt(kms, cancelled);
        Instant deletionDate = scheduleDeletion(kms, keyId);
        scheduleDeletion(kms, cancelled);
        kms.call("CancelKeyDeletion", "{\"KeyId\":\"" + cancelled + "\"}");

        server.stop();
        // Had the deadline fired before the server was down, this run would prove nothing: say so
        // (the test is reported as aborted) rather than pass or fail on the machine's speed.
        assumeTrue(Instant.now().isBefore(deletionDate), "the server took the whole pending window to stop");
        Instant due = deletionDate.plus(DELETION_DATE_PRECISION);
        await().atMost(WINDOW.plus(PATIENCE)).until(() -> Instant.now().isAfter(due));
        server.start();

        KmsClient after = server.adminClient();
        awaitGone(after, keyId);
        assertThat(keyEncryptionKeys(keyId)).isZero();
        DescribeKeyRequest describe = new DescribeKeyRequest();
        describe.setKeyId(cancelled);
        assertThat(after.DescribeKey(describe).getKeyMetadata().getKeyState()).as("a cancelled deletion never fires").isEqualTo("Enabled");
        assertThat(decrypt(after, blob)).isEqualTo(SECRET_PAYLOAD);
    }

    @Test
    void theLogHoldsNoSecret() throws Exception {
        KmsClient kms = server.adminClient();
        String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        assertThat(decrypt(kms, encrypt(kms, keyId))).isEqualTo(SECRET_PAYLOAD);
        GenerateDataKeyRequest dataKey = new GenerateDataKeyRequest();
        dataKey.setKeyId(keyId);
        dataKey.setKeySpec("AES_256");
        String dataKeyPlaintext = kms.GenerateDataKey(dataKey).getPlaintext();
        List<String> secrets = List.of(KmsServer.BOOTSTRAP_SECRET_KEY, SECRET_PAYLOAD, b64(SECRET_PAYLOAD), dataKeyPlaintext,
                Files.readString(server.dataDir().resolve("root.key")).trim());

        String log = Files.readString(server.logFile());

        assertThat(log).contains("Netty started").contains("\"action\":\"Encrypt\"");
        for (String secret : secrets) {
            assertThat(log).doesNotContain(secret);
        }
    }

    private static String encrypt(KmsClient kms, String keyId) throws Exception {
        return JSON.readTree(kms.call("Encrypt", "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"" + b64(SECRET_PAYLOAD)
                + "\",\"EncryptionContext\":" + JSON.writeValueAsString(CONTEXT) + "}")).path("Response").path("CiphertextBlob").asText();
    }

    private static String decrypt(KmsClient kms, String blob) throws Exception {
        return text(JSON.readTree(kms.call("Decrypt", "{\"CiphertextBlob\":\"" + blob
                + "\",\"EncryptionContext\":" + JSON.writeValueAsString(CONTEXT) + "}")).path("Response").path("Plaintext").asText());
    }

    private static Instant scheduleDeletion(KmsClient kms, String keyId) throws Exception {
        JsonNode scheduled = JSON.readTree(kms.call("ScheduleKeyDeletion",
                "{\"KeyId\":\"" + keyId + "\",\"PendingWindowInDays\":" + WINDOW_DAYS + "}")).path("Response");
        return Instant.ofEpochSecond(scheduled.path("DeletionDate").asLong());
    }

    private static int keyEncryptionKeys(String keyId) {
        return server.bean(JdbcTemplate.class).queryForObject(
                "SELECT count(*) FROM kms_key_encryption_key WHERE key_id = ?", Integer.class, keyId);
    }

    /** Waits for the deletion deadline to fire: the pending window plus {@link #PATIENCE} at most. */
    private static void awaitGone(KmsClient kms, String keyId) {
        DescribeKeyRequest describe = new DescribeKeyRequest();
        describe.setKeyId(keyId);
        await().atMost(WINDOW.plus(PATIENCE)).pollInterval(Duration.ofMillis(250)).until(() -> {
            try {
                kms.DescribeKey(describe);
                return false;
            } catch (TencentCloudSDKException e) {
                if ("ResourceUnavailable.CmkNotFound".equals(e.getErrorCode())) {
                    return true;
                }
                throw e;
            }
        });
    }
}
