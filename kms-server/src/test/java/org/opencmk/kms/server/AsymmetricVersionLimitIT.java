package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.opencmk.kms.server.support.AsymmetricSteps.DECRYPT_RSA;
import static org.opencmk.kms.server.support.AsymmetricSteps.DECRYPT_SM2;
import static org.opencmk.kms.server.support.AsymmetricSteps.SIGN_ECC;
import static org.opencmk.kms.server.support.AsymmetricSteps.SIGN_RSA;
import static org.opencmk.kms.server.support.AsymmetricSteps.b64;
import static org.opencmk.kms.server.support.AsymmetricSteps.body;
import static org.opencmk.kms.server.support.AsymmetricSteps.error;
import static org.opencmk.kms.server.support.AsymmetricSteps.errorMessage;
import static org.opencmk.kms.server.support.AsymmetricSteps.ok;
import static org.opencmk.kms.server.support.AsymmetricSteps.unb64;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.AsymmetricSteps;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.Nodes;
import org.opencmk.kms.server.support.Openssl;
import org.opencmk.kms.server.support.RawClient;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What needs a server of its own: an account holds at most {@code KMS_ASYMMETRIC_VERSION_LIMIT}
 * asymmetric key versions (CTyun guide 1.7: 50; 3 here), counted on every node sharing the
 * database; a deleted key's versions count no more, and every asymmetric call on it answers
 * CmkNotFound (here a "day" of the pending window lasts half a second); keys and all their
 * versions survive a restart. Each test works in accounts of its own.
 */
class AsymmetricVersionLimitIT {

    private static final int LIMIT = 3;
    private static final Duration DAY = Duration.ofMillis(500);
    private static final int WINDOW_DAYS = 7;
    /** Bounds every wait on a condition; reached only if the feature is broken. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final byte[] MESSAGE = "kept across deletions and restarts".getBytes(StandardCharsets.UTF_8);
    private static final String LIMIT_EXCEEDED = "LimitExceeded.KeyLimitExceeded";

    private static KmsServer server;

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of("kms.asymmetric-version-limit", Integer.toString(LIMIT),
                "kms.day-length", DAY.toString()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anAccountHoldsAtMostTheLimitAndARefusedCallChangesNothing() throws Exception {
        Accounts account = Accounts.create(server, "limited");
        RawClient raw = account.raw();
        String first = createKey(raw, SIGN_ECC, null);
        ok(raw, "CreateKeyVersion", body("KeyId", first));
        String second = createKey(raw, DECRYPT_SM2, null);
        assertThat(held(account)).isEqualTo(LIMIT);

        assertThat(errorMessage(raw, "CreateKeyVersion", body("KeyId", first), LIMIT_EXCEEDED)).contains(Integer.toString(LIMIT));
        assertThat(errorMessage(raw, "CreateKeyVersion", body("KeyId", second), LIMIT_EXCEEDED)).contains(Integer.toString(LIMIT));
        for (String usage : List.of(SIGN_ECC, SIGN_RSA, DECRYPT_RSA, DECRYPT_SM2)) {
            assertThat(error(raw, "CreateKey", body("KeyUsage", usage, "Alias", "refused-" + usage)))
                    .as(usage).isEqualTo(LIMIT_EXCEEDED);
        }

        // nothing changed: no key, no version, no alias, no reservation
        assertThat(ok(raw, "ListKeyDetail", body("KeyUsage", "ALL")).path("TotalCount").asInt()).isEqualTo(2);
        assertThat(versions(raw, first)).hasSize(2);
        assertThat(versions(raw, second)).hasSize(1);
        assertThat(ok(raw, "ListAliases", body()).path("TotalCount").asInt()).isZero();
        assertThat(held(account)).isEqualTo(LIMIT);
        assertThat(ok(raw, "SignByAsymmetricKey", sign(first, null)).path("Signature").asText()).isNotBlank();

        // symmetric keys and their versions are not counted (and the refused CreateKey left its alias free)
        String symmetric = ok(raw, "CreateKey", body("Alias", "refused-" + SIGN_ECC)).path("KeyId").asText();
        ok(raw, "RotateKey", body("KeyId", symmetric));
        ok(raw, "CreateKey", body("KeyUsage", "ENCRYPT_DECRYPT", "KeySpec", "SM4"));
        assertThat(versions(raw, symmetric)).hasSize(2);
        assertThat(error(raw, "CreateKey", body("KeyUsage", SIGN_ECC))).isEqualTo(LIMIT_EXCEEDED);

        // another account has a limit of its own
        Accounts other = Accounts.create(server, "unaffected");
        for (int i = 0; i < LIMIT; i++) {
            createKey(other.raw(), SIGN_ECC, null);
        }
        assertThat(error(other.raw(), "CreateKey", body("KeyUsage", SIGN_ECC))).isEqualTo(LIMIT_EXCEEDED);
        assertThat(held(other)).isEqualTo(LIMIT);
        assertThat(held(account)).isEqualTo(LIMIT);
    }

    @Test
    void aDeletedKeyAnswersCmkNotFoundToEveryAsymmetricCallAndFreesItsVersions() throws Exception {
        Accounts account = Accounts.create(server, "deleting");
        RawClient raw = account.raw();
        String signer = createKey(raw, SIGN_RSA, null);
        String signerV1 = ok(raw, "GetPublicKey", body("KeyId", signer)).path("KeyVersionId").asText();
        ok(raw, "CreateKeyVersion", body("KeyId", signer));
        String decrypter = createKey(raw, DECRYPT_SM2, "doomed-decrypter");
        String signature = ok(raw, "SignByAsymmetricKey", sign(signer)).path("Signature").asText();
        String ciphertext = b64(AsymmetricSteps.sm2Encrypt(
                unb64(ok(raw, "GetPublicKey", body("KeyId", decrypter)).path("PublicKey").asText()), MESSAGE));
        assertThat(error(raw, "CreateKey", body("KeyUsage", SIGN_ECC))).isEqualTo(LIMIT_EXCEEDED);

        // a key pending deletion still holds its versions (it may be cancelled), and takes no new one
        Instant longDeadline = scheduleDeletion(raw, decrypter, 30);
        String whilePendingNew = error(raw, "CreateKey", body("KeyUsage", SIGN_ECC));
        String whilePendingVersion = error(raw, "CreateKeyVersion", body("KeyId", decrypter));
        String whilePendingDecrypt = error(raw, "AsymmetricSm2Decrypt", body("KeyId", decrypter, "Ciphertext", ciphertext));
        String whilePendingKey = error(raw, "GetPublicKey", body("KeyId", decrypter));
        assumeTrue(Instant.now().isBefore(longDeadline), "the machine took the whole pending window to answer");
        assertThat(whilePendingNew).isEqualTo(LIMIT_EXCEEDED);
        assertThat(whilePendingVersion).isEqualTo("ResourceUnavailable.CmkStateNotSupport");
        assertThat(whilePendingDecrypt).isEqualTo("ResourceUnavailable.CmkStateNotSupport");
        assertThat(whilePendingKey).isEqualTo("ResourceUnavailable.CmkStateNotSupport");
        ok(raw, "CancelKeyDeletion", body("KeyId", decrypter));
        assertThat(unb64(ok(raw, "AsymmetricSm2Decrypt", body("KeyId", decrypter, "Ciphertext", ciphertext))
                .path("Plaintext").asText())).isEqualTo(MESSAGE);

        scheduleDeletion(raw, signer, WINDOW_DAYS);
        scheduleDeletion(raw, decrypter, WINDOW_DAYS);
        awaitGone(raw, signer);
        awaitGone(raw, decrypter);

        String signing = "\"Algorithm\":\"RSA_PSS_SHA_256\",\"MessageType\":\"RAW\",\"Message\":\"" + b64(MESSAGE) + "\"";
        List<String[]> calls = List.of(
                new String[] {"GetPublicKey", "{\"KeyId\":\"" + signer + "\"}"},
                new String[] {"GetPublicKey", "{\"KeyId\":\"" + signer + "\",\"KeyVersionId\":\"" + signerV1 + "\"}"},
                new String[] {"GetPublicKey", "{\"KeyId\":\"" + decrypter + "\"}"},
                new String[] {"SignByAsymmetricKey", "{\"KeyId\":\"" + signer + "\"," + signing + "}"},
                new String[] {"SignByAsymmetricKey", "{\"KeyId\":\"" + signer + "\",\"KeyVersionId\":\"" + signerV1 + "\","
                        + signing + "}"},
                new String[] {"VerifyByAsymmetricKey", "{\"KeyId\":\"" + signer + "\"," + signing + ",\"SignatureValue\":\""
                        + signature + "\"}"},
                new String[] {"AsymmetricRsaDecrypt", "{\"KeyId\":\"" + decrypter + "\",\"Ciphertext\":\"" + ciphertext
                        + "\",\"Algorithm\":\"RSAES_OAEP_SHA_256\"}"},
                new String[] {"AsymmetricSm2Decrypt", "{\"KeyId\":\"" + decrypter + "\",\"Ciphertext\":\"" + ciphertext + "\"}"},
                new String[] {"AsymmetricSm2Decrypt", "{\"KeyId\":\"doomed-decrypter\",\"Ciphertext\":\"" + ciphertext + "\"}"},
                new String[] {"CreateKeyVersion", "{\"KeyId\":\"" + signer + "\"}"},
                new String[] {"ListKeyVersions", "{\"KeyId\":\"" + decrypter + "\"}"},
                new String[] {"DescribeKey", "{\"KeyId\":\"" + signer + "\"}"});
        for (String[] call : calls) {
            assertThat(raw.call(call[0], call[1]).errorCode()).as("%s %s", call[0], call[1])
                    .isEqualTo("ResourceUnavailable.CmkNotFound");
        }

        // the deleted keys' three versions are free again
        assertThat(held(account)).isZero();
        for (int i = 0; i < LIMIT; i++) {
            createKey(raw, SIGN_ECC, null);
        }
        assertThat(error(raw, "CreateKey", body("KeyUsage", SIGN_ECC))).isEqualTo(LIMIT_EXCEEDED);
    }

    @Test
    void keysAndAllTheirVersionsSurviveARestart(@TempDir Path dir) throws Exception {
        Accounts account = Accounts.create(server, "restarted");
        RawClient raw = account.raw();
        String signer = createKey(raw, SIGN_ECC, "survivor");
        JsonNode firstKey = ok(raw, "GetPublicKey", body("KeyId", signer));
        String v1 = firstKey.path("KeyVersionId").asText();
        String v2 = ok(raw, "CreateKeyVersion", body("KeyId", signer)).path("KeyVersionId").asText();
        JsonNode secondKey = ok(raw, "GetPublicKey", body("KeyId", signer));
        String byV1 = ok(raw, "SignByAsymmetricKey", sign(signer, v1)).path("Signature").asText();
        String byV2 = ok(raw, "SignByAsymmetricKey", sign(signer, null)).path("Signature").asText();
        String decrypter = createKey(raw, DECRYPT_SM2, null);
        JsonNode decrypterKey = ok(raw, "GetPublicKey", body("KeyId", decrypter));
        String ciphertext = b64(AsymmetricSteps.sm2Encrypt(
                unb64(decrypterKey.path("PublicKey").asText()), MESSAGE));
        JsonNode versionsBefore = ok(raw, "ListKeyVersions", body("KeyId", signer)).path("KeyVersions");

        server.restart();

        assertThat(ok(raw, "ListKeyVersions", body("KeyId", signer)).path("KeyVersions")).isEqualTo(versionsBefore);
        assertThat(ok(raw, "GetPublicKey", body("KeyId", signer, "KeyVersionId", v1)).path("PublicKey"))
                .isEqualTo(firstKey.path("PublicKey"));
        JsonNode newest = ok(raw, "GetPublicKey", body("KeyId", "survivor"));
        assertThat(newest.path("KeyVersionId").asText()).isEqualTo(v2);
        assertThat(newest.path("PublicKey")).isEqualTo(secondKey.path("PublicKey"));
        assertThat(ok(raw, "GetPublicKey", body("KeyId", decrypter)).path("PublicKey")).isEqualTo(decrypterKey.path("PublicKey"));
        assertThat(ok(raw, "VerifyByAsymmetricKey", verify(signer, v1, byV1)).path("SignatureValid").asBoolean()).isTrue();
        assertThat(ok(raw, "VerifyByAsymmetricKey", verify(signer, null, byV2)).path("SignatureValid").asBoolean()).isTrue();
        assertThat(ok(raw, "VerifyByAsymmetricKey", verify(signer, null, byV1)).path("SignatureValid").asBoolean()).isFalse();
        assertThat(unb64(ok(raw, "AsymmetricSm2Decrypt", body("KeyId", decrypter, "Ciphertext", ciphertext))
                .path("Plaintext").asText())).isEqualTo(MESSAGE);

        // both private keys still sign, as openssl checks with the public keys from before the restart
        JsonNode again = ok(raw, "SignByAsymmetricKey", sign(signer, v1));
        assertThat(again.path("KeyVersionId").asText()).isEqualTo(v1);
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(dir);
        Files.write(dir.resolve("test_verify.txt"), MESSAGE);
        Files.writeString(dir.resolve("v1.pem"), firstKey.path("PublicKeyPem").asText());
        Files.writeString(dir.resolve("v2.pem"), secondKey.path("PublicKeyPem").asText());
        Files.write(dir.resolve("signContent.bin"), unb64(again.path("Signature").asText()));
        openssl.run("openssl dgst -verify v1.pem -sha256 -signature ./signContent.bin ./test_verify.txt");
        Files.write(dir.resolve("signContent.bin"), unb64(ok(raw, "SignByAsymmetricKey", sign(signer, null)).path("Signature").asText()));
        openssl.run("openssl dgst -verify v2.pem -sha256 -signature ./signContent.bin ./test_verify.txt");

        assertThat(error(raw, "CreateKeyVersion", body("KeyId", signer))).as("the count survives too").isEqualTo(LIMIT_EXCEEDED);
    }

    /**
     * Two nodes, each making versions of its own keys as fast as it can: only the account-wide
     * count in the shared database stands between them and the limit. Exactly as many succeed
     * as the limit leaves, whoever wins.
     */
    @Test
    void twoNodesRacingForTheLastVersionsNeverPassTheLimit() throws Exception {
        int limit = 8;
        int callsPerNode = 10;
        try (EmbeddedPostgres database = EmbeddedPostgres.builder().start()) {
            Map<String, String> shared = Nodes.sharing(database, Map.of("kms.asymmetric-version-limit", Integer.toString(limit)));
            try (KmsServer first = KmsServer.start(shared); KmsServer second = KmsServer.start(shared)) {
                List<RawClient> nodes = List.of(first.rawAdmin(), second.rawAdmin());
                Map<RawClient, List<String>> keysOf = new HashMap<>();
                for (RawClient node : nodes) {
                    keysOf.put(node, List.of(createKey(node, SIGN_ECC, null), createKey(node, SIGN_ECC, null)));
                }
                int free = limit - 4;

                ExecutorService pool = Executors.newFixedThreadPool(2 * callsPerNode);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<String>> outcomes = new ArrayList<>();
                for (int i = 0; i < callsPerNode; i++) {
                    for (RawClient node : nodes) {
                        String keyId = keysOf.get(node).get(i % 2);
                        outcomes.add(pool.submit(() -> {
                            go.await();
                            RawClient.Answer answer = AsymmetricSteps.call(node,
                                    "CreateKeyVersion", body("KeyId", keyId));
                            return answer.errorCode() == null ? "created" : answer.errorCode();
                        }));
                    }
                }
                go.countDown();
                List<String> results = new ArrayList<>();
                for (Future<String> outcome : outcomes) {
                    results.add(outcome.get());
                }
                pool.shutdown();

                assertThat(results).as("exactly what the limit left, the rest refused").filteredOn("created"::equals)
                        .hasSize(free);
                assertThat(results).filteredOn(r -> !r.equals("created")).containsOnly(LIMIT_EXCEEDED);
                Integer held = first.bean(JdbcTemplate.class).queryForObject(
                        "SELECT count(*) FROM kms_asymmetric_versions", Integer.class);
                assertThat(held).isEqualTo(limit);
                List<String> allKeys = keysOf.values().stream().flatMap(List::stream).toList();
                for (RawClient node : nodes) {
                    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                        int seen = 0;
                        for (String keyId : allKeys) {
                            RawClient.Answer listed = AsymmetricSteps.call(node,
                                    "ListKeyVersions", body("KeyId", keyId));
                            seen += listed.response().path("TotalCount").asInt();
                        }
                        assertThat(seen).as("every node sees all versions, and no more").isEqualTo(limit);
                    });
                }
                assertThat(error(nodes.get(1), "CreateKey", body("KeyUsage", SIGN_ECC))).isEqualTo(LIMIT_EXCEEDED);
            }
        }
    }

    // ---- helpers ----

    private static String createKey(RawClient raw, String usage, String alias) {
        return ok(raw, "CreateKey", body("KeyUsage", usage, "Alias", alias)).path("KeyId").asText();
    }

    private static List<String> versions(RawClient raw, String keyId) {
        return ok(raw, "ListKeyVersions", body("KeyId", keyId)).path("KeyVersions").findValuesAsText("KeyVersionId");
    }

    /** The account's reservations in the quota table (V5). */
    private static int held(Accounts account) {
        return server.bean(JdbcTemplate.class).queryForObject(
                "SELECT count(*) FROM kms_asymmetric_versions WHERE account = ?", Integer.class, account.accountId());
    }

    private static Map<String, Object> sign(String keyId) {
        return body("KeyId", keyId, "Algorithm", "RSA_PSS_SHA_256", "MessageType", "RAW", "Message", b64(MESSAGE));
    }

    private static Map<String, Object> sign(String keyId, String versionId) {
        return AsymmetricSteps.eccSign(keyId, versionId, MESSAGE);
    }

    private static Map<String, Object> verify(String keyId, String versionId, String signature) {
        return AsymmetricSteps.eccVerify(keyId, versionId, MESSAGE, signature);
    }

    private static Instant scheduleDeletion(RawClient raw, String keyId, int days) {
        return Instant.ofEpochSecond(ok(raw, "ScheduleKeyDeletion", body("KeyId", keyId, "PendingWindowInDays", days))
                .path("DeletionDate").asLong());
    }

    /** Waits for the deletion deadline to fire: the pending window plus {@link #PATIENCE} at most. */
    private static void awaitGone(RawClient raw, String keyId) {
        await().atMost(DAY.multipliedBy(WINDOW_DAYS).plus(PATIENCE)).pollInterval(Duration.ofMillis(250))
                .until(() -> "ResourceUnavailable.CmkNotFound".equals(
                        AsymmetricSteps.call(raw, "DescribeKey", body("KeyId", keyId))
                                .errorCode()));
    }
}
