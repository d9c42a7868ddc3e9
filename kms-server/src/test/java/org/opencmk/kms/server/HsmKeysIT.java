package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.RawClient;
import org.opencmk.kms.server.support.SharedKmsServer;
import org.opencmk.kms.server.support.SoftHsm;

/**
 * The HSM protection level through the API (issue 16), on a SoftHSM2 token: keys of both levels
 * side by side in one server, what DescribeKey and GetServiceStatus say, what the token refuses,
 * a restart, and the faults: a server without its HSM, a wrong PIN, a missing library. Never is an
 * HSM key served from software. (The suites that run at both levels are failsafe's {@code
 * hsm-level} execution; the keystore itself is tested in crypto-engine.)
 */
class HsmKeysIT {

    private static final String PLAINTEXT = Base64.getEncoder().encodeToString("hsm-held secret".getBytes());
    private static final String MESSAGE = Base64.getEncoder().encodeToString(new byte[64]);
    private static final String UNAVAILABLE = "UnsupportedOperation.ServiceTemporaryUnavailable";

    @Test
    void aServerWithoutAnHsmRefusesHsmKeysWithClearCodes() {
        RawClient kms = SharedKmsServer.get().rawAdmin();
        if (!SoftHsm.available() || !"HSM".equals(System.getProperty("kms.it.protection-level"))) {
            assertThat(kms.call("CreateKey", "{\"ProtectionLevel\":\"HSM\"}").errorCode())
                    .isEqualTo("UnsupportedOperation.HsmNotConfigured");
            assertThat(kms.call("CreateKey", "{\"HsmClusterId\":\"any\"}").errorCode())
                    .isEqualTo("UnsupportedOperation.HsmNotConfigured");
            assertThat(kms.call("GetServiceStatus", "{}").response().path("ExclusiveHSMEnabled").asBoolean()).isFalse();
        }
        assertThat(kms.call("CreateKey", "{\"ProtectionLevel\":\"TPM\"}").errorCode()).isEqualTo("InvalidParameterValue");
        assertThat(kms.call("CreateKey", "{\"ProtectionLevel\":\"SOFTWARE\",\"HsmClusterId\":\"x\"}").errorCode())
                .isEqualTo("InvalidParameter");
        JsonNode software = kms.call("CreateKey", "{\"ProtectionLevel\":\"SOFTWARE\"}").response();
        assertThat(describe(kms, software.path("KeyId").asText()).path("ProtectionLevel").asText()).isEqualTo("SOFTWARE");
    }

    @Test
    void keysOfBothLevelsServeSideBySideAndSurviveARestart() throws Exception {
        assumeThat(SoftHsm.available()).as("SoftHSM2 is installed (.ci/run installs it)").isTrue();
        try (KmsServer server = KmsServer.start(SoftHsm.settings())) {
            RawClient kms = server.rawAdmin();
            assertThat(kms.call("GetServiceStatus", "{}").response().path("ExclusiveHSMEnabled").asBoolean()).isTrue();

            String hsmKey = created(kms, "{\"ProtectionLevel\":\"HSM\",\"Description\":\"in the token\"}");
            String byCluster = created(kms, "{\"HsmClusterId\":\"" + SoftHsm.TOKEN_LABEL + "\"}");
            String softwareKey = created(kms, "{}");
            String rsaKey = created(kms, "{\"ProtectionLevel\":\"HSM\",\"KeyUsage\":\"ASYMMETRIC_SIGN_VERIFY_RSA_2048\"}");
            String eccKey = created(kms, "{\"ProtectionLevel\":\"HSM\",\"KeyUsage\":\"ASYMMETRIC_SIGN_VERIFY_ECC\"}");
            JsonNode metadata = describe(kms, hsmKey);
            assertThat(metadata.path("ProtectionLevel").asText()).isEqualTo("HSM");
            assertThat(metadata.path("HsmClusterId").asText()).isEqualTo(SoftHsm.TOKEN_LABEL);
            assertThat(describe(kms, byCluster).path("ProtectionLevel").asText()).isEqualTo("HSM");
            assertThat(describe(kms, softwareKey).path("HsmClusterId").asText()).isEmpty();
            assertThat(kms.call("CreateKey", "{\"HsmClusterId\":\"another-hsm\"}").errorCode())
                    .isEqualTo("InvalidParameterValue");

            // SoftHSM2 has no SM4 and no SM2: refused with a clear code, nothing made.
            assertThat(kms.call("CreateKey", "{\"ProtectionLevel\":\"HSM\",\"KeySpec\":\"SM4\"}").errorCode())
                    .isEqualTo("UnsupportedOperation.NotSupportedByHsm");
            assertThat(kms.call("CreateKey", "{\"ProtectionLevel\":\"HSM\",\"KeyUsage\":\"ASYMMETRIC_SIGN_VERIFY_SM2\"}")
                    .errorCode()).isEqualTo("UnsupportedOperation.NotSupportedByHsm");

            String hsmBlob = encrypt(kms, hsmKey);
            String softwareBlob = encrypt(kms, softwareKey);
            assertThat(decrypt(kms, hsmBlob)).isEqualTo(PLAINTEXT);
            assertThat(decrypt(kms, softwareBlob)).isEqualTo(PLAINTEXT);
            String rsaSignature = sign(kms, rsaKey, "RSA_PSS_SHA_256");
            String eccSignature = sign(kms, eccKey, "ECC_P256_R1");
            assertThat(verify(kms, rsaKey, "RSA_PSS_SHA_256", rsaSignature)).isTrue();
            assertThat(verify(kms, eccKey, "ECC_P256_R1", eccSignature)).isTrue();

            server.restart();

            RawClient after = server.rawAdmin();
            assertThat(decrypt(after, hsmBlob)).as("found again in the token by its label").isEqualTo(PLAINTEXT);
            assertThat(decrypt(after, softwareBlob)).isEqualTo(PLAINTEXT);
            assertThat(verify(after, rsaKey, "RSA_PSS_SHA_256", sign(after, rsaKey, "RSA_PSS_SHA_256"))).isTrue();
        }
    }

    @Test
    void withoutItsHsmAServerKeepsServingSoftwareKeysAndNeverServesAnHsmKeyFromSoftware() throws Exception {
        assumeThat(SoftHsm.available()).as("SoftHSM2 is installed (.ci/run installs it)").isTrue();
        Path dataDir = Files.createTempDirectory("kms-it-hsm-");
        String hsmKey;
        String softwareKey;
        String hsmBlob;
        try (KmsServer server = KmsServer.startOn(dataDir, SoftHsm.settings())) {
            RawClient kms = server.rawAdmin();
            hsmKey = created(kms, "{\"ProtectionLevel\":\"HSM\"}");
            softwareKey = created(kms, "{}");
            hsmBlob = encrypt(kms, hsmKey);
            server.stop();

            // The same data, no HSM configured (stopped, not closed: close would delete the data).
            KmsServer withoutHsm = KmsServer.startOn(dataDir, Map.of());
            try {
                checkHsmKeyRefusedSoftwareKeyServed(withoutHsm.rawAdmin(), hsmKey, softwareKey, hsmBlob);
            } finally {
                withoutHsm.stop();
            }
            // The HSM configured with a wrong PIN, then with a library that is not there.
            Map<String, String> wrongPin = new HashMap<>(SoftHsm.settings());
            wrongPin.put("kms.hsm.pin", "wrong-pin-Zq8v");
            KmsServer refused = KmsServer.startOn(dataDir, wrongPin);
            try {
                checkHsmKeyRefusedSoftwareKeyServed(refused.rawAdmin(), hsmKey, softwareKey, hsmBlob);
                assertThat(Files.readString(refused.logFile())).as("said at start").containsIgnoringCase("HSM")
                        .doesNotContain("wrong-pin-Zq8v");
            } finally {
                refused.stop();
            }
            Map<String, String> noLibrary = new HashMap<>(SoftHsm.settings());
            noLibrary.put("kms.hsm.pkcs11-library", "/nonexistent/libpkcs11.so");
            KmsServer missing = KmsServer.startOn(dataDir, noLibrary);
            try {
                checkHsmKeyRefusedSoftwareKeyServed(missing.rawAdmin(), hsmKey, softwareKey, hsmBlob);
            } finally {
                missing.stop();
            }

            server.start();
            assertThat(decrypt(server.rawAdmin(), hsmBlob)).as("served again once the HSM is back").isEqualTo(PLAINTEXT);
        }
    }

    /**
     * The token pulled out in the middle of a load and put back (SoftHSM2: its directory moved away
     * and back): HSM calls answer ServiceTemporaryUnavailable meanwhile, and nothing else (never
     * CmkNotFound, never InternalError), software calls go on unharmed, GetServiceStatus says so,
     * and the HSM key serves again once the token is back, its old ciphertexts included.
     */
    @Test
    void aTokenRemovedInTheMiddleOfALoadAndPutBack() throws Exception {
        assumeThat(SoftHsm.available()).as("SoftHSM2 is installed (.ci/run installs it)").isTrue();
        try (KmsServer server = KmsServer.start(SoftHsm.settings())) {
            RawClient kms = server.rawAdmin();
            String hsmKey = created(kms, "{\"ProtectionLevel\":\"HSM\"}");
            String softwareKey = created(kms, "{}");
            String before = encrypt(kms, hsmKey);
            java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> hsmOutcomes =
                    new java.util.concurrent.ConcurrentHashMap<>();
            java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> softwareOutcomes =
                    new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.atomic.AtomicBoolean loading = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread load = new Thread(() -> {
                while (loading.get()) {
                    count(hsmOutcomes, kms.call("Encrypt", encryptBody(hsmKey)).errorCode());
                    count(softwareOutcomes, kms.call("Encrypt", encryptBody(softwareKey)).errorCode());
                }
            });
            load.start();
            Path tokens = SoftHsm.tokenDirectory();
            Path token;
            try (var entries = Files.list(tokens)) {
                token = entries.filter(Files::isDirectory).findFirst().orElseThrow();
            }
            Path away = tokens.resolveSibling("pulled-out");
            try {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> hsmOutcomes.containsKey("Success"));
                Files.move(token, away);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> hsmOutcomes.containsKey(UNAVAILABLE));
                assertThat(kms.call("GetServiceStatus", "{}").response().path("ExclusiveHSMEnabled").asBoolean())
                        .as("while the token is out").isFalse();
                int softwareBefore = softwareOutcomes.get("Success").get();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> softwareOutcomes.get("Success").get() > softwareBefore + 20);
            } finally {
                if (Files.exists(away)) {
                    Files.move(away, token);
                }
            }
            int hsmBefore = hsmOutcomes.get("Success").get();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                    .until(() -> hsmOutcomes.get("Success").get() > hsmBefore + 20);
            loading.set(false);
            load.join();

            assertThat(hsmOutcomes.keySet()).as("HSM calls: served, or refused as temporarily unavailable")
                    .containsExactlyInAnyOrder("Success", UNAVAILABLE);
            assertThat(softwareOutcomes.keySet()).as("software calls never notice").containsExactly("Success");
            assertThat(decrypt(kms, before)).isEqualTo(PLAINTEXT);
            assertThat(kms.call("GetServiceStatus", "{}").response().path("ExclusiveHSMEnabled").asBoolean()).isTrue();
            assertThat(Files.readString(server.logFile())).as("the operator is told both")
                    .contains("HSM: the token stopped answering").contains("HSM: the token answers again");
        }
    }

    private static void count(java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> outcomes, String error) {
        outcomes.computeIfAbsent(error == null ? "Success" : error, k -> new java.util.concurrent.atomic.AtomicInteger())
                .incrementAndGet();
    }

    private static void checkHsmKeyRefusedSoftwareKeyServed(RawClient kms, String hsmKey, String softwareKey,
            String hsmBlob) {
        String unavailable = "UnsupportedOperation.ServiceTemporaryUnavailable";
        assertThat(kms.call("Encrypt", encryptBody(hsmKey)).errorCode()).isEqualTo(unavailable);
        assertThat(kms.call("Decrypt", "{\"CiphertextBlob\":\"" + hsmBlob + "\"}").errorCode()).isEqualTo(unavailable);
        assertThat(decrypt(kms, encrypt(kms, softwareKey))).isEqualTo(PLAINTEXT);
        assertThat(describe(kms, hsmKey).path("ProtectionLevel").asText()).isEqualTo("HSM");
        assertThat(kms.call("GetServiceStatus", "{}").response().path("ExclusiveHSMEnabled").asBoolean()).isFalse();
    }

    // ---- helpers ----

    private static String created(RawClient kms, String body) {
        RawClient.Answer answer = kms.call("CreateKey", body);
        assertThat(answer.errorCode()).as(body).isNull();
        return answer.response().path("KeyId").asText();
    }

    private static JsonNode describe(RawClient kms, String keyId) {
        return kms.call("DescribeKey", "{\"KeyId\":\"" + keyId + "\"}").response().path("KeyMetadata");
    }

    private static String encryptBody(String keyId) {
        return "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"" + PLAINTEXT + "\"}";
    }

    private static String encrypt(RawClient kms, String keyId) {
        RawClient.Answer answer = kms.call("Encrypt", encryptBody(keyId));
        assertThat(answer.errorCode()).isNull();
        return answer.response().path("CiphertextBlob").asText();
    }

    private static String decrypt(RawClient kms, String blob) {
        RawClient.Answer answer = kms.call("Decrypt", "{\"CiphertextBlob\":\"" + blob + "\"}");
        assertThat(answer.errorCode()).isNull();
        return answer.response().path("Plaintext").asText();
    }

    private static String sign(RawClient kms, String keyId, String algorithm) {
        RawClient.Answer answer = kms.call("SignByAsymmetricKey", "{\"KeyId\":\"" + keyId + "\",\"Algorithm\":\""
                + algorithm + "\",\"MessageType\":\"RAW\",\"Message\":\"" + MESSAGE + "\"}");
        assertThat(answer.errorCode()).isNull();
        return answer.response().path("Signature").asText();
    }

    private static boolean verify(RawClient kms, String keyId, String algorithm, String signature) {
        RawClient.Answer answer = kms.call("VerifyByAsymmetricKey", "{\"KeyId\":\"" + keyId + "\",\"Algorithm\":\""
                + algorithm + "\",\"MessageType\":\"RAW\",\"Message\":\"" + MESSAGE + "\",\"SignatureValue\":\""
                + signature + "\"}");
        assertThat(answer.errorCode()).isNull();
        return answer.response().path("SignatureValid").asBoolean();
    }
}
