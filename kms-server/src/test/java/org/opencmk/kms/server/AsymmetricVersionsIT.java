package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.AsymmetricSteps.DECRYPT_RSA;
import static org.opencmk.kms.server.support.AsymmetricSteps.DECRYPT_SM2;
import static org.opencmk.kms.server.support.AsymmetricSteps.SIGN_ECC;
import static org.opencmk.kms.server.support.AsymmetricSteps.SIGN_SM2;
import static org.opencmk.kms.server.support.AsymmetricSteps.b64;
import static org.opencmk.kms.server.support.AsymmetricSteps.body;
import static org.opencmk.kms.server.support.AsymmetricSteps.error;
import static org.opencmk.kms.server.support.AsymmetricSteps.errorMessage;
import static org.opencmk.kms.server.support.AsymmetricSteps.ok;
import static org.opencmk.kms.server.support.AsymmetricSteps.unb64;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.AsymmetricSteps;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.LogCapture;
import org.opencmk.kms.server.support.Openssl;
import org.opencmk.kms.server.support.RawClient;
import org.opencmk.kms.server.support.SharedKmsServer;

/**
 * An asymmetric key's versions, made by hand (CTyun guide 1.3 "创建密钥版本", 3.2.6: asymmetric
 * keys do not rotate and have no primary version): CreateKeyVersion makes a new key pair, the
 * newest; every asymmetric call takes an optional KeyVersionId (default: the newest) and answers
 * the one it used; older versions keep working when named. KeyVersionId and CreateKeyVersion are
 * extensions the SDK does not know: they go through the raw client. The account's limit on
 * versions is in {@link AsymmetricVersionLimitIT}.
 */
class AsymmetricVersionsIT {

    private static final byte[] MESSAGE = "signed by version one".getBytes(StandardCharsets.UTF_8);

    private KmsServer server;
    private Accounts account;
    private RawClient raw;

    /** Every test in an account of its own. */
    @BeforeEach
    void freshAccount() {
        server = SharedKmsServer.get();
        account = Accounts.create(server, "asymmetric-versions");
        raw = account.raw();
    }

    @Test
    void createKeyVersionMakesTheNewestKeyPairAndOlderVersionsKeepSigningWhenNamed(@TempDir Path dir) throws Exception {
        String keyId = AsymmetricSteps.createKey(account.sdk(), SIGN_ECC, "versioned");
        JsonNode first = ok(raw, "GetPublicKey", body("KeyId", keyId));
        String v1 = first.path("KeyVersionId").asText();

        JsonNode created = ok(raw, "CreateKeyVersion", body("KeyId", keyId));
        assertThat(created.path("KeyId").asText()).isEqualTo(keyId);
        String v2 = created.path("KeyVersionId").asText();
        String v3 = ok(raw, "CreateKeyVersion", body("KeyId", "versioned")).path("KeyVersionId").asText();
        assertThat(List.of(v1, v2, v3)).doesNotHaveDuplicates().allSatisfy(v -> assertThat(v).isNotBlank());

        JsonNode versions = ok(raw, "ListKeyVersions", body("KeyId", keyId));
        assertThat(versions.path("TotalCount").asInt()).isEqualTo(3);
        assertThat(versions.path("KeyVersions").findValuesAsText("KeyVersionId")).as("newest first")
                .containsExactly(v3, v2, v1);
        assertThat(versions.path("KeyVersions").findValues("IsPrimary")).extracting(JsonNode::asBoolean)
                .as("an asymmetric key has no primary version").containsExactly(false, false, false);
        JsonNode page = ok(raw, "ListKeyVersions", body("KeyId", keyId, "Offset", 1, "Limit", 1));
        assertThat(page.path("KeyVersions").findValuesAsText("KeyVersionId")).containsExactly(v2);
        assertThat(page.path("TotalCount").asInt()).isEqualTo(3);
        assertThat(ok(raw, "DescribeKey", body("KeyId", keyId)).path("KeyMetadata").has("PrimaryKeyVersionId")).isFalse();

        // GetPublicKey: the newest by default, any version by name
        JsonNode newest = ok(raw, "GetPublicKey", body("KeyId", keyId));
        assertThat(newest.path("KeyVersionId").asText()).isEqualTo(v3);
        assertThat(newest.path("PublicKey").asText()).isNotEqualTo(first.path("PublicKey").asText());
        JsonNode named = ok(raw, "GetPublicKey", body("KeyId", keyId, "KeyVersionId", v1));
        assertThat(named.path("KeyVersionId").asText()).isEqualTo(v1);
        assertThat(named.path("PublicKey").asText()).as("version 1's key pair is kept").isEqualTo(first.path("PublicKey").asText());
        assertThat(ok(raw, "GetPublicKey", body("KeyId", keyId, "KeyVersionId", v2)).path("PublicKey").asText())
                .isNotIn(first.path("PublicKey").asText(), newest.path("PublicKey").asText());

        // signing: the newest by default; version 1 when named, and its signatures are version 1's only
        JsonNode byNewest = ok(raw, "SignByAsymmetricKey", sign(keyId, null));
        assertThat(byNewest.path("KeyVersionId").asText()).isEqualTo(v3);
        JsonNode byFirst = ok(raw, "SignByAsymmetricKey", sign(keyId, v1));
        assertThat(byFirst.path("KeyId").asText()).isEqualTo(keyId);
        assertThat(byFirst.path("KeyVersionId").asText()).isEqualTo(v1);
        String signature1 = byFirst.path("Signature").asText();

        JsonNode verified = ok(raw, "VerifyByAsymmetricKey", verify(keyId, v1, signature1));
        assertThat(verified.path("SignatureValid").asBoolean()).isTrue();
        assertThat(verified.path("KeyVersionId").asText()).isEqualTo(v1);
        assertThat(ok(raw, "VerifyByAsymmetricKey", verify(keyId, v2, signature1)).path("SignatureValid").asBoolean())
                .as("not with version 2").isFalse();
        JsonNode byDefault = ok(raw, "VerifyByAsymmetricKey", verify(keyId, null, signature1));
        assertThat(byDefault.path("SignatureValid").asBoolean()).as("nor with the newest").isFalse();
        assertThat(byDefault.path("KeyVersionId").asText()).isEqualTo(v3);
        assertThat(ok(raw, "VerifyByAsymmetricKey", verify(keyId, null, byNewest.path("Signature").asText()))
                .path("SignatureValid").asBoolean()).isTrue();

        // and openssl agrees, with each version's public key
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(dir);
        Files.write(dir.resolve("test_verify.txt"), MESSAGE);
        Files.write(dir.resolve("signContent.bin"), unb64(signature1));
        Files.writeString(dir.resolve("v1.pem"), named.path("PublicKeyPem").asText());
        Files.writeString(dir.resolve("v3.pem"), newest.path("PublicKeyPem").asText());
        openssl.run("openssl dgst -verify v1.pem -sha256 -signature ./signContent.bin ./test_verify.txt");
        assertThat(openssl.exitValue("openssl dgst -verify v3.pem -sha256 -signature ./signContent.bin ./test_verify.txt"))
                .isNotZero();
    }

    @Test
    void olderVersionsOfDecryptKeysKeepDecryptingWhenNamed() throws Exception {
        byte[] secret = "for one key pair only".getBytes(StandardCharsets.UTF_8);
        for (String usage : List.of(DECRYPT_RSA, DECRYPT_SM2)) {
            boolean rsa = usage.equals(DECRYPT_RSA);
            String keyId = AsymmetricSteps.createKey(account.sdk(), usage);
            JsonNode first = ok(raw, "GetPublicKey", body("KeyId", keyId));
            String v1 = first.path("KeyVersionId").asText();
            String underV1 = encrypt(rsa, first.path("PublicKey").asText(), secret);
            String v2 = ok(raw, "CreateKeyVersion", body("KeyId", keyId)).path("KeyVersionId").asText();
            JsonNode second = ok(raw, "GetPublicKey", body("KeyId", keyId));
            assertThat(second.path("KeyVersionId").asText()).isEqualTo(v2);
            String underV2 = encrypt(rsa, second.path("PublicKey").asText(), secret);

            JsonNode opened = ok(raw, action(rsa), decrypt(rsa, keyId, v1, underV1));
            assertThat(unb64(opened.path("Plaintext").asText())).as(usage).isEqualTo(secret);
            assertThat(opened.path("KeyVersionId").asText()).isEqualTo(v1);
            JsonNode newest = ok(raw, action(rsa), decrypt(rsa, keyId, null, underV2));
            assertThat(unb64(newest.path("Plaintext").asText())).isEqualTo(secret);
            assertThat(newest.path("KeyVersionId").asText()).as("the newest by default").isEqualTo(v2);
            assertThat(ok(raw, action(rsa), decrypt(rsa, keyId, v2, underV2)).path("KeyVersionId").asText()).isEqualTo(v2);

            assertThat(error(raw, action(rsa), decrypt(rsa, keyId, null, underV1)))
                    .as("%s: version 1's ciphertext does not open with the newest", usage)
                    .isEqualTo("FailedOperation.DecryptError");
            assertThat(error(raw, action(rsa), decrypt(rsa, keyId, v2, underV1))).isEqualTo("FailedOperation.DecryptError");
            assertThat(error(raw, action(rsa), decrypt(rsa, keyId, v1, underV2))).isEqualTo("FailedOperation.DecryptError");
        }
    }

    @Test
    void aKeyVersionIdThatIsNotTheKeysIsNotFound() throws Exception {
        String signer = AsymmetricSteps.createKey(account.sdk(), SIGN_ECC);
        String rsa = AsymmetricSteps.createKey(account.sdk(), DECRYPT_RSA);
        String sm2 = AsymmetricSteps.createKey(account.sdk(), DECRYPT_SM2);
        String other = AsymmetricSteps.createKey(account.sdk(), SIGN_SM2);
        String othersVersion = ok(raw, "GetPublicKey", body("KeyId", other)).path("KeyVersionId").asText();
        String signature = ok(raw, "SignByAsymmetricKey", sign(signer, null)).path("Signature").asText();
        String rsaCiphertext = encrypt(true, ok(raw, "GetPublicKey", body("KeyId", rsa)).path("PublicKey").asText(), MESSAGE);
        String sm2Ciphertext = encrypt(false, ok(raw, "GetPublicKey", body("KeyId", sm2)).path("PublicKey").asText(), MESSAGE);

        for (String versionId : List.of(UUID.randomUUID().toString(), othersVersion, "garbage", "../../etc/passwd",
                "00000000-0000-0000-0000-000000000000")) {
            Map<String, Map<String, Object>> calls = Map.of(
                    "GetPublicKey", body("KeyId", signer, "KeyVersionId", versionId),
                    "SignByAsymmetricKey", sign(signer, versionId),
                    "VerifyByAsymmetricKey", verify(signer, versionId, signature),
                    "AsymmetricRsaDecrypt", decrypt(true, rsa, versionId, rsaCiphertext),
                    "AsymmetricSm2Decrypt", decrypt(false, sm2, versionId, sm2Ciphertext));
            for (var call : calls.entrySet()) {
                assertThat(errorMessage(raw, call.getKey(), call.getValue(), "ResourceUnavailable.KeyVersionNotFound"))
                        .as("%s with KeyVersionId %s", call.getKey(), versionId).contains("ListKeyVersions");
            }
        }
        assertThat(ok(raw, "GetPublicKey", body("KeyId", signer, "KeyVersionId", "")).path("KeyVersionId").asText())
                .as("an empty KeyVersionId is none: the newest").isNotBlank();
    }

    @Test
    void createKeyVersionTakesAnEnabledOrDisabledAsymmetricKeyOfTheCallersOnly() throws Exception {
        String symmetric = account.sdk().CreateKey(new com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest()).getKeyId();
        assertThat(errorMessage(raw, "CreateKeyVersion", body("KeyId", symmetric), "InvalidParameterValue.InvalidKeyUsage"))
                .contains("RotateKey");
        assertThat(ok(raw, "ListKeyVersions", body("KeyId", symmetric)).path("TotalCount").asInt()).isEqualTo(1);

        String keyId = AsymmetricSteps.createKey(account.sdk(), SIGN_ECC);
        ok(raw, "DisableKey", body("KeyId", keyId));
        String made = ok(raw, "CreateKeyVersion", body("KeyId", keyId)).path("KeyVersionId").asText();
        ok(raw, "EnableKey", body("KeyId", keyId));
        assertThat(ok(raw, "SignByAsymmetricKey", sign(keyId, null)).path("KeyVersionId").asText())
                .as("a disabled key takes a new version, used once it is enabled").isEqualTo(made);

        ok(raw, "ScheduleKeyDeletion", body("KeyId", keyId, "PendingWindowInDays", 7));
        assertThat(error(raw, "CreateKeyVersion", body("KeyId", keyId))).isEqualTo("ResourceUnavailable.CmkStateNotSupport");
        assertThat(ok(raw, "ListKeyVersions", body("KeyId", keyId)).path("TotalCount").asInt()).isEqualTo(2);
        ok(raw, "CancelKeyDeletion", body("KeyId", keyId));
        ok(raw, "EnableKey", body("KeyId", keyId));
        ok(raw, "CreateKeyVersion", body("KeyId", keyId));
        assertThat(ok(raw, "ListKeyVersions", body("KeyId", keyId)).path("TotalCount").asInt()).isEqualTo(3);

        Accounts stranger = Accounts.create(server, "stranger");
        assertThat(error(stranger.raw(), "CreateKeyVersion", body("KeyId", keyId))).isEqualTo("ResourceUnavailable.CmkNotFound");
        assertThat(error(stranger.raw(), "GetPublicKey", body("KeyId", keyId))).isEqualTo("ResourceUnavailable.CmkNotFound");
        assertThat(error(raw, "CreateKeyVersion", body("KeyId", UUID.randomUUID().toString())))
                .isEqualTo("ResourceUnavailable.CmkNotFound");
        assertThat(error(raw, "CreateKeyVersion", body())).isEqualTo("MissingParameter");
        assertThat(ok(raw, "ListKeyVersions", body("KeyId", keyId)).path("TotalCount").asInt()).as("nothing more").isEqualTo(3);
    }

    @Test
    void theAuditLineOfANewVersionNamesIt() throws Exception {
        String keyId = AsymmetricSteps.createKey(account.sdk(), SIGN_ECC);
        try (LogCapture log = LogCapture.start()) {
            RawClient.Answer created = AsymmetricSteps.call(raw, "CreateKeyVersion", body("KeyId", keyId));
            String versionId = created.response().path("KeyVersionId").asText();
            RawClient.Answer signed = AsymmetricSteps.call(raw, "SignByAsymmetricKey", sign(keyId, null));
            RawClient.Answer refused = AsymmetricSteps.call(raw, "SignByAsymmetricKey", sign(keyId, "garbage"));

            for (RawClient.Answer answer : List.of(created, signed)) {
                JsonNode line = log.auditLine(answer.response().path("RequestId").asText());
                assertThat(line.path("outcome").asText()).isEqualTo("Success");
                assertThat(line.path("keyId").asText()).isEqualTo(keyId);
                assertThat(line.path("keyVersionId").asText()).isEqualTo(versionId);
            }
            JsonNode line = log.auditLine(refused.response().path("RequestId").asText());
            assertThat(line.path("outcome").asText()).isEqualTo("ResourceUnavailable.KeyVersionNotFound");
        }
    }

    // ---- helpers ----

    private static Map<String, Object> sign(String keyId, String versionId) {
        return AsymmetricSteps.eccSign(keyId, versionId, MESSAGE);
    }

    private static Map<String, Object> verify(String keyId, String versionId, String signature) {
        return AsymmetricSteps.eccVerify(keyId, versionId, MESSAGE, signature);
    }

    private static String action(boolean rsa) {
        return rsa ? "AsymmetricRsaDecrypt" : "AsymmetricSm2Decrypt";
    }

    private static Map<String, Object> decrypt(boolean rsa, String keyId, String versionId, String ciphertext) {
        return body("KeyId", keyId, "KeyVersionId", versionId, "Ciphertext", ciphertext, "Algorithm",
                rsa ? "RSAES_OAEP_SHA_256" : null);
    }

    private static String encrypt(boolean rsa, String publicKey, byte[] plaintext) {
        byte[] der = unb64(publicKey);
        return b64(rsa ? AsymmetricSteps.rsaOaepSha256Encrypt(der, plaintext) : AsymmetricSteps.sm2Encrypt(der, plaintext));
    }
}
