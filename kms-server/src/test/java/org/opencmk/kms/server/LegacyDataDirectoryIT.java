package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.RawClient;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A database written by release 0.1 ({@code src/test/resources/legacy-0.1}), whose
 * key-encryption keys and material bound no account: the current server starts on it, binds
 * every KEK to its owning account, and everything it held still works. After that, an event
 * stream rewritten to name another owner no longer unwraps.
 */
class LegacyDataDirectoryIT {

    private static final String FIXTURE = "/legacy-0.1/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonNode expected;
    private EmbeddedPostgres database;
    private KmsServer server;

    @BeforeEach
    void startOnTheEarlierReleasesDatabase() throws Exception {
        try (InputStream in = getClass().getResourceAsStream(FIXTURE + "expected.json")) {
            expected = JSON.readTree(in);
        }
        database = EmbeddedPostgres.builder().start();
        String dump;
        try (InputStream in = getClass().getResourceAsStream(FIXTURE + "database.sql")) {
            dump = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (Connection connection = database.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            statement.execute(dump);
        }
        server = KmsServer.start(Map.of(
                "kms.bootstrap.secret-id", KmsServer.UNSET,
                "kms.root-key", expected.get("rootKey").asText(),
                "kms.db.url", database.getJdbcUrl("postgres", "postgres"),
                "kms.db.user", "postgres",
                "kms.db.password", ""));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        database.close();
    }

    @Test
    void everyKeyEncryptionKeyIsBoundToItsAccountAtStart() {
        JdbcTemplate jdbc = server.bean(JdbcTemplate.class);

        assertThat(jdbc.queryForObject("SELECT count(*) FROM kms_key_encryption_key", Integer.class)).isEqualTo(5);
        assertThat(jdbc.queryForObject(
                "SELECT count(*) FROM kms_key_encryption_key WHERE get_byte(kek_reference, 0) = 1", Integer.class))
                .isZero();
    }

    @Test
    void whatTheEarlierReleaseEncryptedStillDecryptsAndItsKeysStillWork() {
        RawClient admin = admin();
        String plaintext = expected.get("plaintext").asText();

        assertThat(decrypt(admin, "aesCiphertext", "{\"app\":\"legacy\"}")).isEqualTo(plaintext);
        assertThat(decrypt(admin, "sm4Ciphertext", null)).isEqualTo(plaintext);
        assertThat(decrypt(admin, "dataKeyCiphertext", null)).isEqualTo(expected.get("dataKeyPlaintext").asText());
        RawClient tenant = server.raw(expected.get("tenantSecretId").asText(), expected.get("tenantSecretKey").asText());
        assertThat(decrypt(tenant, "tenantCiphertext", null)).isEqualTo(plaintext);

        for (String alias : new String[] {"legacy-aes", "legacy-second", "legacy-sm4"}) {
            RawClient.Answer sealed = admin.call("Encrypt",
                    "{\"KeyId\":\"" + alias + "\",\"Plaintext\":\"" + plaintext + "\"}");
            assertThat(sealed.errorCode()).as(alias).isNull();
            assertThat(decryptBlob(admin, sealed.response().get("CiphertextBlob").asText(), null)).isEqualTo(plaintext);
        }
        assertThat(state(admin, "externalKeyId")).isEqualTo("PendingImport");
        assertThat(state(admin, "pendingDeleteKeyId")).isEqualTo("PendingDelete");
        assertThat(tenant.call("DescribeKey", "{\"KeyId\":\"" + expected.get("aesKeyId").asText() + "\"}").errorCode())
                .isEqualTo("ResourceUnavailable.CmkNotFound");
    }

    @Test
    void aKeyWhoseEventsWereRewrittenToNameAnotherAccountCannotBeUsedByIt() {
        JdbcTemplate jdbc = server.bean(JdbcTemplate.class);
        String tenantKey = expected.get("tenantKeyId").asText();
        long tenant = expected.get("tenantAccountId").asLong();
        long admin = tenant - 1;
        // What an attacker with write access to the event store, but not the root key, can do.
        int rewritten = jdbc.update("UPDATE domainevententry SET payload = convert_to(replace(convert_from(payload, "
                        + "'UTF8'), '\"account\":{\"value\":" + tenant + "}', '\"account\":{\"value\":" + admin + "}'), 'UTF8') "
                        + "WHERE aggregateidentifier = ? AND convert_from(payload, 'UTF8') LIKE '%\"account\":{\"value\":"
                        + tenant + "}%'", tenantKey);
        assertThat(rewritten).isPositive();
        server.restart();

        RawClient.Answer opened = admin().call("Decrypt",
                "{\"CiphertextBlob\":\"" + expected.get("tenantCiphertext").asText() + "\"}");

        assertThat(opened.errorCode()).isEqualTo("ResourceUnavailable.CmkNotFound");
        assertThat(opened.response().toString()).doesNotContain(expected.get("plaintext").asText());
    }

    private RawClient admin() {
        return server.raw(expected.get("adminSecretId").asText(), expected.get("adminSecretKey").asText());
    }

    private String decrypt(RawClient client, String field, String context) {
        return decryptBlob(client, expected.get(field).asText(), context);
    }

    private static String decryptBlob(RawClient client, String blob, String context) {
        String body = "{\"CiphertextBlob\":\"" + blob + "\""
                + (context == null ? "" : ",\"EncryptionContext\":" + JSON.valueToTree(context)) + "}";
        RawClient.Answer answer = client.call("Decrypt", body);
        assertThat(answer.errorCode()).as(answer.response().toString()).isNull();
        return answer.response().get("Plaintext").asText();
    }

    private String state(RawClient client, String field) {
        return client.call("DescribeKey", "{\"KeyId\":\"" + expected.get(field).asText() + "\"}")
                .response().get("KeyMetadata").get("KeyState").asText();
    }
}
