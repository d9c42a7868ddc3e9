package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.RawClient;

/**
 * DESIGN.md "Hot path": Encrypt, Decrypt, ReEncrypt and GenerateDataKey never wait on the
 * database, after a restart and on a cache miss too. The proof: the tables they could read
 * (key-encryption keys, credentials, events) are locked by another transaction, the material
 * cache holds one key version, and every call is still answered.
 */
class HotPathWithoutDatabaseIT {

    /** A lock wait would never end: any answer at all within this is the proof. */
    private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(30);
    private static final String PLAINTEXT = Base64.getEncoder().encodeToString("not a secret".getBytes());
    private static KmsServer server;

    @BeforeAll
    static void startWithACacheOfOneKeyVersion() {
        server = KmsServer.start(Map.of("kms.cache.maximum-keys", "1"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theCryptographicPathAnswersWhileEveryTableItCouldReadIsLocked() throws Exception {
        RawClient admin = server.rawAdmin();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            keys.add(admin.call("CreateKey", "{}").response().get("KeyId").asText());
        }
        List<String> blobs = new ArrayList<>();
        for (String key : keys) {
            blobs.add(admin.call("Encrypt", "{\"KeyId\":\"" + key + "\",\"Plaintext\":\"" + PLAINTEXT + "\"}")
                    .response().get("CiphertextBlob").asText());
        }
        server.restart(); // nothing unwrapped in memory, credentials and KEKs loaded from the database
        RawClient afterRestart = server.rawAdmin();

        try (Connection lock = server.bean(DataSource.class).getConnection()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("LOCK TABLE kms_key_encryption_key, kms_credential, domainevententry "
                        + "IN ACCESS EXCLUSIVE MODE");
            }
            assertTimeoutPreemptively(ANSWERED_WITHIN, () -> {
                for (int round = 0; round < 2; round++) { // with one cached version, every call misses
                    for (int i = 0; i < keys.size(); i++) {
                        RawClient.Answer opened = afterRestart.call("Decrypt",
                                "{\"CiphertextBlob\":\"" + blobs.get(i) + "\"}");
                        assertThat(opened.response().get("Plaintext").asText()).isEqualTo(PLAINTEXT);
                        assertThat(afterRestart.call("Encrypt", "{\"KeyId\":\"" + keys.get(i)
                                + "\",\"Plaintext\":\"" + PLAINTEXT + "\"}").errorCode()).isNull();
                        assertThat(afterRestart.call("GenerateDataKey", "{\"KeyId\":\"" + keys.get(i)
                                + "\",\"KeySpec\":\"AES_256\"}").errorCode()).isNull();
                        assertThat(afterRestart.call("ReEncrypt", "{\"CiphertextBlob\":\"" + blobs.get(i)
                                + "\",\"DestinationKeyId\":\"" + keys.get((i + 1) % keys.size()) + "\"}").errorCode())
                                .isNull();
                    }
                }
                assertThat(server.raw("AKIDnoSuchCredential0000000000000001", "whatever-secret-key-0001")
                        .call("Encrypt", "{}").errorCode()).isEqualTo("AuthFailure.SecretIdNotFound");
            });
            lock.rollback();
        }
    }
}
