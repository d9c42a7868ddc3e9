package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.Sdk.assertError;
import static org.opencmk.kms.server.support.Sdk.b64;
import static org.opencmk.kms.server.support.Sdk.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DescribeKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.GenerateDataKeyRequest;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.opencmk.kms.server.support.KmsServer;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What must survive a restart (keys, aliases, pending deadlines; old ciphertexts decrypt), and a
 * deletion whose deadline really fires: here a "day" of the pending window lasts one second.
 * The tests run in order on one server and its data directory.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestartAndDeletionIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DAY = Duration.ofSeconds(1);
    private static final int WINDOW_DAYS = 7;
    private static final String SECRET_PAYLOAD = "top secret payload 4711";
    private static final String CONTEXT = "{\"purpose\":\"restart\"}";

    private static KmsServer server;
    /** Everything secret the tests handled; none of it may reach the log. */
    private static final List<String> secrets = new ArrayList<>();

    private static String survivorKey;
    private static String survivorBlob;
    private static String doomedKey;
    private static String doomedBlob;

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of("kms.day-length", DAY.toString()));
        secrets.add(KmsServer.BOOTSTRAP_SECRET_KEY);
        secrets.add(SECRET_PAYLOAD);
        secrets.add(b64(SECRET_PAYLOAD));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    @Order(1)
    void keysAliasesAndCiphertextsSurviveARestart() throws Exception {
        KmsClient kms = server.adminClient();
        CreateKeyRequest create = new CreateKeyRequest();
        create.setAlias("survivor");
        survivorKey = kms.CreateKey(create).getKeyId();
        survivorBlob = encrypt(kms, survivorKey);
        GenerateDataKeyRequest dataKey = new GenerateDataKeyRequest();
        dataKey.setKeyId("survivor");
        dataKey.setKeySpec("AES_256");
        var generated = kms.GenerateDataKey(dataKey);
        secrets.add(generated.getPlaintext());

        server.restart();

        KmsClient after = server.adminClient();
        JsonNode decrypted = JSON.readTree(after.call("Decrypt",
                "{\"CiphertextBlob\":\"" + survivorBlob + "\",\"EncryptionContext\":" + JSON.writeValueAsString(CONTEXT) + "}"))
                .path("Response");
        assertThat(text(decrypted.path("Plaintext").asText())).isEqualTo(SECRET_PAYLOAD);
        JsonNode dataKeyBack = JSON.readTree(after.call("Decrypt", "{\"CiphertextBlob\":\"" + generated.getCiphertextBlob() + "\"}"))
                .path("Response");
        assertThat(dataKeyBack.path("Plaintext").asText()).isEqualTo(generated.getPlaintext());
        DescribeKeyRequest byAlias = new DescribeKeyRequest();
        byAlias.setKeyId("survivor");
        assertThat(after.DescribeKey(byAlias).getKeyMetadata().getKeyId()).isEqualTo(survivorKey);
    }

    @Test
    @Order(2)
    void theRootKeyAndBootstrapStateAreKeptPrivateOnDisk() throws Exception {
        var rootKey = server.dataDir().resolve("root.key");
        assertThat(Files.getPosixFilePermissions(rootKey))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        secrets.add(Files.readString(rootKey).trim());
        Integer plainSecrets = server.bean(JdbcTemplate.class).queryForObject(
                "SELECT count(*) FROM kms_credential WHERE position(convert_to(?, 'UTF8') in wrapped_secret_key) > 0",
                Integer.class, KmsServer.BOOTSTRAP_SECRET_KEY);
        assertThat(plainSecrets).as("SecretKeys rest only wrapped").isZero();
    }

    @Test
    @Order(3)
    void whenThePendingWindowEndsTheKeyItsAliasesAndItsKeyEncryptionKeyAreGone() throws Exception {
        KmsClient kms = server.adminClient();
        CreateKeyRequest create = new CreateKeyRequest();
        create.setAlias("doomed");
        doomedKey = kms.CreateKey(create).getKeyId();
        kms.call("CreateAlias", "{\"Alias\":\"doomed-too\",\"KeyId\":\"" + doomedKey + "\"}");
        doomedBlob = encrypt(kms, doomedKey);
        assertThat(keyEncryptionKeys(doomedKey)).isEqualTo(1);

        JsonNode scheduled = JSON.readTree(kms.call("ScheduleKeyDeletion",
                "{\"KeyId\":\"" + doomedKey + "\",\"PendingWindowInDays\":" + WINDOW_DAYS + "}")).path("Response");
        Instant deletionDate = Instant.ofEpochSecond(scheduled.path("DeletionDate").asLong());
        assertThat(deletionDate).isAfter(Instant.now().plus(DAY.multipliedBy(WINDOW_DAYS - 2)));

        awaitGone(kms, doomedKey);
        assertThat(Instant.now()).isAfterOrEqualTo(deletionDate);
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.call("Decrypt", "{\"CiphertextBlob\":\"" + doomedBlob + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.call("DescribeKey", "{\"KeyId\":\"doomed\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.call("CancelKeyDeletion", "{\"KeyId\":\"" + doomedKey + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.call("EnableKey", "{\"KeyId\":\"" + doomedKey + "\"}"));
        JsonNode aliases = JSON.readTree(kms.call("ListAliases", "{}")).path("Response").path("Aliases");
        assertThat(aliases.findValuesAsText("Alias")).doesNotContain("doomed", "doomed-too").contains("survivor");
        assertThat(keyEncryptionKeys(doomedKey)).as("crypto-shredded").isZero();
        assertThat(keyEncryptionKeys(survivorKey)).isEqualTo(1);
    }

    @Test
    @Order(4)
    void aDeletionStaysDeletedAfterARestart() throws Exception {
        server.restart();
        KmsClient kms = server.adminClient();
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.call("DescribeKey", "{\"KeyId\":\"" + doomedKey + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.call("Decrypt", "{\"CiphertextBlob\":\"" + doomedBlob + "\"}"));
        CreateKeyRequest reuse = new CreateKeyRequest();
        reuse.setAlias("doomed");
        assertThat(kms.CreateKey(reuse).getKeyId()).as("the deleted key's alias is free again").isNotEqualTo(doomedKey);
    }

    @Test
    @Order(5)
    void aPendingDeadlineSurvivesARestartAndFiresAfterIt() throws Exception {
        KmsClient kms = server.adminClient();
        String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        String cancelled = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        kms.call("ScheduleKeyDeletion", "{\"KeyId\":\"" + keyId + "\",\"PendingWindowInDays\":" + WINDOW_DAYS + "}");
        kms.call("ScheduleKeyDeletion", "{\"KeyId\":\"" + cancelled + "\",\"PendingWindowInDays\":" + WINDOW_DAYS + "}");
        kms.call("CancelKeyDeletion", "{\"KeyId\":\"" + cancelled + "\"}");

        server.stop();
        Thread.sleep(DAY.multipliedBy(WINDOW_DAYS + 1).toMillis()); // the deadline passes while the server is down
        server.start();

        KmsClient after = server.adminClient();
        awaitGone(after, keyId);
        assertThat(keyEncryptionKeys(keyId)).isZero();
        DescribeKeyRequest describe = new DescribeKeyRequest();
        describe.setKeyId(cancelled);
        assertThat(after.DescribeKey(describe).getKeyMetadata().getKeyState()).as("a cancelled deletion never fires").isEqualTo("Enabled");
        assertThat(text(JSON.readTree(after.call("Decrypt", "{\"CiphertextBlob\":\"" + survivorBlob
                + "\",\"EncryptionContext\":" + JSON.writeValueAsString(CONTEXT) + "}")).path("Response").path("Plaintext").asText()))
                .isEqualTo(SECRET_PAYLOAD);
    }

    @Test
    @Order(6)
    void theLogHoldsNoSecret() throws Exception {
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

    private static int keyEncryptionKeys(String keyId) {
        return server.bean(JdbcTemplate.class).queryForObject(
                "SELECT count(*) FROM kms_key_encryption_key WHERE key_id = ?", Integer.class, keyId);
    }

    private static void awaitGone(KmsClient kms, String keyId) throws Exception {
        DescribeKeyRequest describe = new DescribeKeyRequest();
        describe.setKeyId(keyId);
        Instant giveUp = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(giveUp)) {
            try {
                kms.DescribeKey(describe);
            } catch (com.tencentcloudapi.common.exception.TencentCloudSDKException e) {
                if ("ResourceUnavailable.CmkNotFound".equals(e.getErrorCode())) {
                    return;
                }
                throw e;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the key " + keyId + " was not deleted within a minute");
    }
}
