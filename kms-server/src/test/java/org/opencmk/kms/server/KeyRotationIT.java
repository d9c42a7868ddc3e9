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
import com.tencentcloudapi.kms.v20190118.models.DisableKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DisableKeyRotationRequest;
import com.tencentcloudapi.kms.v20190118.models.EnableKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.EnableKeyRotationRequest;
import com.tencentcloudapi.kms.v20190118.models.GetKeyRotationStatusRequest;
import com.tencentcloudapi.kms.v20190118.models.GetParametersForImportRequest;
import com.tencentcloudapi.kms.v20190118.models.GetParametersForImportResponse;
import com.tencentcloudapi.kms.v20190118.models.ImportKeyMaterialRequest;
import com.tencentcloudapi.kms.v20190118.models.KeyMetadata;
import com.tencentcloudapi.kms.v20190118.models.ScheduleKeyDeletionRequest;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Cipher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.SharedKmsServer;

/**
 * Key versions and rotation on demand, and the rotation schedule's settings, through the official
 * SDK (SPEC.md "Versions"; CTyun guide 3.2.6 and 4.5, seed 003 "密钥版本管理": a rotation makes a
 * new primary version, the older ones are kept and keep decrypting; only symmetric keys the KMS
 * made rotate, every 7–730 days). RotateKey and ListKeyVersions are not in the SDK release the
 * tests use: they go through its generic call. Scheduled rotations coming due are tested in
 * {@link KeyRotationScheduleIT} and {@link KeyRotationTwoNodesIT}.
 */
class KeyRotationIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PAYLOAD = "rotate me, keep me readable";
    private static final String CONTEXT = "{\"purpose\":\"rotation\"}";

    private KmsServer server;
    private KmsClient kms;

    /** Every test in an account of its own. */
    @BeforeEach
    void freshAccount() {
        server = SharedKmsServer.get();
        kms = Accounts.create(server, "rotation").sdk();
    }

    @Test
    void rotateKeyMakesANewPrimaryVersionAndOlderCiphertextsStillDecrypt() throws Exception {
        String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        JsonNode before = encrypt(kms, keyId);
        String firstVersion = before.path("KeyVersionId").asText();
        assertThat(firstVersion).isNotBlank();
        assertThat(describe(kms, keyId).getLastRotateTime()).as("never rotated").isZero();

        Instant asked = Instant.now();
        JsonNode rotated = call(kms, "RotateKey", "{\"KeyId\":\"" + keyId + "\"}");

        assertThat(rotated.path("TaskId").asText()).isNotBlank();
        assertThat(rotated.path("KeyId").asText()).isEqualTo(keyId);
        String newVersion = rotated.path("KeyVersionId").asText();
        assertThat(newVersion).isNotBlank().isNotEqualTo(firstVersion);

        JsonNode after = encrypt(kms, keyId);
        assertThat(after.path("KeyVersionId").asText()).as("Encrypt uses the new primary version").isEqualTo(newVersion);
        JsonNode generated = call(kms, "GenerateDataKey", JSON.writeValueAsString(
                java.util.Map.of("KeyId", keyId, "KeySpec", "AES_256")));
        assertThat(generated.path("KeyVersionId").asText()).as("so does GenerateDataKey").isEqualTo(newVersion);

        JsonNode old = decrypt(kms, before.path("CiphertextBlob").asText());
        assertThat(text(old.path("Plaintext").asText())).as("the old version keeps decrypting").isEqualTo(PAYLOAD);
        assertThat(old.path("KeyVersionId").asText()).isEqualTo(firstVersion);
        JsonNode fresh = decrypt(kms, after.path("CiphertextBlob").asText());
        assertThat(text(fresh.path("Plaintext").asText())).isEqualTo(PAYLOAD);
        assertThat(fresh.path("KeyVersionId").asText()).isEqualTo(newVersion);

        JsonNode versions = listVersions(kms, keyId);
        assertThat(versions.path("KeyId").asText()).isEqualTo(keyId);
        assertThat(versions.path("TotalCount").asInt()).isEqualTo(2);
        assertThat(versions.path("KeyVersions").findValuesAsText("KeyVersionId")).as("newest first")
                .containsExactly(newVersion, firstVersion);
        assertThat(versions.path("KeyVersions").findValues("IsPrimary")).extracting(JsonNode::asBoolean)
                .as("exactly one primary: the newest").containsExactly(true, false);

        KeyMetadata described = describe(kms, keyId);
        assertThat(described.getLastRotateTime()).as("LastRotateTime")
                .isBetween(asked.getEpochSecond(), Instant.now().getEpochSecond());
        assertThat(described.getKeyRotationEnabled()).as("on demand leaves the schedule off").isFalse();
        assertThat(described.getNextRotateTime()).isZero();
    }

    @Test
    void everyRotationAddsAVersionThatTheListPagesThroughNewestFirst() throws Exception {
        CreateKeyRequest create = new CreateKeyRequest();
        create.setAlias("many-versions");
        String keyId = kms.CreateKey(create).getKeyId();
        String first = encrypt(kms, keyId).path("KeyVersionId").asText();
        List<String> blobs = new java.util.ArrayList<>();
        List<String> made = new java.util.ArrayList<>(List.of(first));
        for (int i = 0; i < 3; i++) {
            blobs.add(encrypt(kms, keyId).path("CiphertextBlob").asText());
            // by alias, as everywhere a KeyId is asked for
            made.add(0, call(kms, "RotateKey", "{\"KeyId\":\"many-versions\"}").path("KeyVersionId").asText());
        }

        JsonNode all = listVersions(kms, keyId);
        assertThat(all.path("TotalCount").asInt()).isEqualTo(4);
        assertThat(all.path("KeyVersions").findValuesAsText("KeyVersionId")).containsExactlyElementsOf(made);
        JsonNode page = call(kms, "ListKeyVersions", "{\"KeyId\":\"" + keyId + "\",\"Offset\":1,\"Limit\":2}");
        assertThat(page.path("TotalCount").asInt()).isEqualTo(4);
        assertThat(page.path("KeyVersions").findValuesAsText("KeyVersionId")).containsExactly(made.get(1), made.get(2));
        assertThat(page.path("KeyVersions").findValues("IsPrimary")).extracting(JsonNode::asBoolean).containsOnly(false);
        List<Long> created = all.path("KeyVersions").findValues("CreateTime").stream().map(JsonNode::asLong).toList();
        assertThat(created).as("CreateTime, newest first").isSortedAccordingTo(java.util.Comparator.reverseOrder());
        for (int i = 0; i < blobs.size(); i++) {
            JsonNode back = decrypt(kms, blobs.get(i));
            assertThat(text(back.path("Plaintext").asText())).isEqualTo(PAYLOAD);
            assertThat(back.path("KeyVersionId").asText()).isEqualTo(made.get(made.size() - 1 - i));
        }
    }

    /**
     * A key that is not Enabled cannot be rotated on demand: Disabled or pending deletion answers
     * {@code CmkStateNotSupport} (the key's state does not allow the call; {@code CmkDisabled} is
     * what cryptographic calls on a disabled key answer). Nothing changes.
     */
    @Test
    void aDisabledKeyOrOnePendingDeletionIsNotRotated() throws Exception {
        String disabled = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        DisableKeyRequest disable = new DisableKeyRequest();
        disable.setKeyId(disabled);
        kms.DisableKey(disable);
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> rotate(kms, disabled));
        assertThat(listVersions(kms, disabled).path("TotalCount").asInt()).isEqualTo(1);
        EnableKeyRequest enable = new EnableKeyRequest();
        enable.setKeyId(disabled);
        kms.EnableKey(enable);
        assertThat(rotate(kms, disabled).path("KeyVersionId").asText()).as("once enabled again it rotates").isNotBlank();

        String pending = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        ScheduleKeyDeletionRequest schedule = new ScheduleKeyDeletionRequest();
        schedule.setKeyId(pending);
        schedule.setPendingWindowInDays(7L);
        kms.ScheduleKeyDeletion(schedule);
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> rotate(kms, pending));
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> enableRotation(kms, pending, 30L));
        assertThat(status(kms, pending).path("KeyRotationEnabled").asBoolean()).isFalse();
    }

    /** Seed 003 "不适用范围": an EXTERNAL key's material is the user's; the KMS cannot make a new one. */
    @Test
    void anExternalKeyNeverRotates() throws Exception {
        CreateKeyRequest create = new CreateKeyRequest();
        create.setType(2L);
        String waiting = kms.CreateKey(create).getKeyId();
        assertError("UnsupportedOperation.ExternalCmkCanNotRotate", () -> rotate(kms, waiting));
        assertError("UnsupportedOperation.ExternalCmkCanNotRotate", () -> enableRotation(kms, waiting, 30L));

        String imported = kms.CreateKey(create).getKeyId();
        importMaterial(kms, imported);
        assertThat(describe(kms, imported).getKeyState()).isEqualTo("Enabled");
        String version = encrypt(kms, imported).path("KeyVersionId").asText();

        assertError("UnsupportedOperation.ExternalCmkCanNotRotate", () -> rotate(kms, imported));
        assertError("UnsupportedOperation.ExternalCmkCanNotRotate", () -> enableRotation(kms, imported, null));
        assertError("UnsupportedOperation.ExternalCmkCanNotRotate", () -> enableRotation(kms, imported, 7L));

        JsonNode versions = listVersions(kms, imported);
        assertThat(versions.path("KeyVersions").findValuesAsText("KeyVersionId")).as("still its one version").containsExactly(version);
        assertThat(status(kms, imported).path("KeyRotationEnabled").asBoolean()).isFalse();
        KeyMetadata described = describe(kms, imported);
        assertThat(described.getKeyRotationEnabled()).isFalse();
        assertThat(described.getNextRotateTime()).isZero();
        assertThat(described.getLastRotateTime()).isZero();
    }

    @Test
    void anotherAccountsKeyIsNotFoundForEveryRotationAction() throws Exception {
        String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        KmsClient stranger = Accounts.create(server, "stranger").sdk();

        assertError("ResourceUnavailable.CmkNotFound", () -> rotate(stranger, keyId));
        assertError("ResourceUnavailable.CmkNotFound", () -> enableRotation(stranger, keyId, 30L));
        assertError("ResourceUnavailable.CmkNotFound", () -> {
            DisableKeyRotationRequest request = new DisableKeyRotationRequest();
            request.setKeyId(keyId);
            return stranger.DisableKeyRotation(request);
        });
        assertError("ResourceUnavailable.CmkNotFound", () -> {
            GetKeyRotationStatusRequest request = new GetKeyRotationStatusRequest();
            request.setKeyId(keyId);
            return stranger.GetKeyRotationStatus(request);
        });
        assertError("ResourceUnavailable.CmkNotFound", () -> listVersions(stranger, keyId));

        assertThat(listVersions(kms, keyId).path("TotalCount").asInt()).as("the owner's key is untouched").isEqualTo(1);
        assertThat(status(kms, keyId).path("KeyRotationEnabled").asBoolean()).isFalse();
    }

    @Test
    void rotationActionsRefuseAMissingOrUnknownKey() throws Exception {
        assertError("MissingParameter", () -> call(kms, "RotateKey", "{}"));
        assertError("MissingParameter", () -> call(kms, "ListKeyVersions", "{}"));
        assertError("MissingParameter", () -> kms.EnableKeyRotation(new EnableKeyRotationRequest()));
        String unknown = java.util.UUID.randomUUID().toString();
        assertError("ResourceUnavailable.CmkNotFound", () -> rotate(kms, unknown));
        assertError("ResourceUnavailable.CmkNotFound", () -> enableRotation(kms, unknown, 30L));
        assertError("ResourceUnavailable.CmkNotFound", () -> listVersions(kms, unknown));
        assertError("UnknownParameter", () -> call(kms, "RotateKey", "{\"KeyId\":\"" + unknown + "\",\"RotateDays\":7}"));
    }

    /** CTyun guide 3.2.6: the period is 7–730 days (Tencent: 7–365), 365 when not given. */
    @Test
    void theRotationPeriodIsSevenTo730DaysAnd365ByDefault() throws Exception {
        String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        for (long days : new long[] {6, 731, 0, -7, Integer.MAX_VALUE + 8L}) {
            assertError("InvalidParameterValue", () -> enableRotation(kms, keyId, days));
        }
        assertThat(status(kms, keyId).path("KeyRotationEnabled").asBoolean()).as("a refused period changes nothing").isFalse();

        Instant before = Instant.now();
        enableRotation(kms, keyId, null);
        Instant after = Instant.now();
        JsonNode byDefault = status(kms, keyId);
        assertThat(byDefault.path("KeyRotationEnabled").asBoolean()).isTrue();
        assertThat(byDefault.path("RotateDays").asLong()).isEqualTo(365);
        assertThat(byDefault.path("NextRotateTime").asLong()).as("one period from now (real days here)")
                .isBetween(before.plus(java.time.Duration.ofDays(365)).getEpochSecond(),
                        after.plus(java.time.Duration.ofDays(365)).getEpochSecond());
        assertThat(byDefault.path("LastRotateTime").asLong()).isZero();
        GetKeyRotationStatusRequest sdkStatus = new GetKeyRotationStatusRequest();
        sdkStatus.setKeyId(keyId);
        assertThat(kms.GetKeyRotationStatus(sdkStatus).getKeyRotationEnabled()).isTrue();

        for (long days : new long[] {7, 730}) {
            enableRotation(kms, keyId, days);
            assertThat(status(kms, keyId).path("RotateDays").asLong()).as("enabling again replaces the period").isEqualTo(days);
            assertThat(describe(kms, keyId).getRotateDays()).isEqualTo(days);
        }

        DisableKeyRotationRequest off = new DisableKeyRotationRequest();
        off.setKeyId(keyId);
        kms.DisableKeyRotation(off);
        kms.DisableKeyRotation(off);
        JsonNode disabled = status(kms, keyId);
        assertThat(disabled.path("KeyRotationEnabled").asBoolean()).as("disabling twice is harmless").isFalse();
        assertThat(disabled.path("NextRotateTime").asLong()).isZero();
        KeyMetadata described = describe(kms, keyId);
        assertThat(described.getKeyRotationEnabled()).isFalse();
        assertThat(described.getNextRotateTime()).isZero();
    }

    /** A Disabled key may be given a schedule (its turns are skipped while it is Disabled: see KeyRotationScheduleIT). */
    @Test
    void aDisabledKeyMayBeGivenASchedule() throws Exception {
        String keyId = kms.CreateKey(new CreateKeyRequest()).getKeyId();
        DisableKeyRequest disable = new DisableKeyRequest();
        disable.setKeyId(keyId);
        kms.DisableKey(disable);
        enableRotation(kms, keyId, 90L);
        KeyMetadata described = describe(kms, keyId);
        assertThat(described.getKeyState()).isEqualTo("Disabled");
        assertThat(described.getKeyRotationEnabled()).isTrue();
        assertThat(described.getRotateDays()).isEqualTo(90);
    }

    static JsonNode call(KmsClient kms, String action, String body) throws Exception {
        return JSON.readTree(kms.call(action, body)).path("Response");
    }

    static JsonNode rotate(KmsClient kms, String keyId) throws Exception {
        return call(kms, "RotateKey", "{\"KeyId\":\"" + keyId + "\"}");
    }

    static JsonNode listVersions(KmsClient kms, String keyId) throws Exception {
        return call(kms, "ListKeyVersions", "{\"KeyId\":\"" + keyId + "\",\"Limit\":100}");
    }

    /** GetKeyRotationStatus as the server answers it, extensions (RotateDays, NextRotateTime, LastRotateTime) included. */
    static JsonNode status(KmsClient kms, String keyId) throws Exception {
        return call(kms, "GetKeyRotationStatus", "{\"KeyId\":\"" + keyId + "\"}");
    }

    static Object enableRotation(KmsClient kms, String keyId, Long rotateDays) throws Exception {
        EnableKeyRotationRequest request = new EnableKeyRotationRequest();
        request.setKeyId(keyId);
        request.setRotateDays(rotateDays);
        return kms.EnableKeyRotation(request);
    }

    static KeyMetadata describe(KmsClient kms, String keyId) throws Exception {
        DescribeKeyRequest request = new DescribeKeyRequest();
        request.setKeyId(keyId);
        return kms.DescribeKey(request).getKeyMetadata();
    }

    static JsonNode encrypt(KmsClient kms, String keyId) throws Exception {
        return call(kms, "Encrypt", "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"" + b64(PAYLOAD)
                + "\",\"EncryptionContext\":" + JSON.writeValueAsString(CONTEXT) + "}");
    }

    static JsonNode decrypt(KmsClient kms, String blob) throws Exception {
        return call(kms, "Decrypt", "{\"CiphertextBlob\":\"" + blob + "\",\"EncryptionContext\":"
                + JSON.writeValueAsString(CONTEXT) + "}");
    }

    /** Imports 32 random bytes into an EXTERNAL key, wrapped with RSAES-OAEP (SHA-1) as seed 000 describes. */
    private static void importMaterial(KmsClient kms, String keyId) throws Exception {
        GetParametersForImportRequest parameters = new GetParametersForImportRequest();
        parameters.setKeyId(keyId);
        parameters.setWrappingAlgorithm("RSAES_OAEP_SHA_1");
        parameters.setWrappingKeySpec("RSA_2048");
        GetParametersForImportResponse issued = kms.GetParametersForImport(parameters);
        var publicKey = KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(issued.getPublicKey())));
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        rsa.init(Cipher.ENCRYPT_MODE, publicKey);
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        ImportKeyMaterialRequest request = new ImportKeyMaterialRequest();
        request.setKeyId(keyId);
        request.setImportToken(issued.getImportToken());
        request.setEncryptedKeyMaterial(b64(rsa.doFinal(material)));
        kms.ImportKeyMaterial(request);
    }
}
