package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.Sdk.assertError;
import static org.opencmk.kms.server.support.Sdk.b64;
import static org.opencmk.kms.server.support.Sdk.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.DecryptRequest;
import com.tencentcloudapi.kms.v20190118.models.DecryptResponse;
import com.tencentcloudapi.kms.v20190118.models.DisableKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.EncryptRequest;
import com.tencentcloudapi.kms.v20190118.models.EncryptResponse;
import com.tencentcloudapi.kms.v20190118.models.GenerateDataKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.GenerateDataKeyResponse;
import com.tencentcloudapi.kms.v20190118.models.GenerateRandomRequest;
import com.tencentcloudapi.kms.v20190118.models.GetServiceStatusRequest;
import com.tencentcloudapi.kms.v20190118.models.ListAlgorithmsRequest;
import com.tencentcloudapi.kms.v20190118.models.ListAlgorithmsResponse;
import com.tencentcloudapi.kms.v20190118.models.ReEncryptRequest;
import com.tencentcloudapi.kms.v20190118.models.ReEncryptResponse;
import com.tencentcloudapi.kms.v20190118.models.ScheduleKeyDeletionRequest;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.ProtectionLevels;
import org.opencmk.kms.server.support.SharedKmsServer;
import org.opencmk.kms.server.support.Sdk;

/**
 * The seeds' symmetric flows through the unmodified Tencent Cloud SDK: online encryption of
 * sensitive data (CTyun 3.3.2, Tencent "敏感信息加解密") and envelope encryption (CTyun 3.3.3,
 * Tencent "信封加解密").
 */
class SymmetricCryptographyIT {

    private static final String CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIB...test certificate...\n";
    private static final String CONTEXT = "{\"app\":\"billing\",\"env\":\"prod\"}";
    private static final String SAME_CONTEXT_OTHER_ORDER = "{ \"env\": \"prod\", \"app\": \"billing\" }";
    private static final String OTHER_CONTEXT = "{\"app\":\"billing\",\"env\":\"test\"}";

    private static KmsServer server;
    private static KmsClient kms;

    @BeforeAll
    static void server() {
        server = SharedKmsServer.get();
        kms = server.adminClient();
    }

    @Test
    void sensitiveDataEncryptsAndDecryptsWithoutNamingTheKeyOnDecrypt() throws Exception {
        String keyId = Sdk.createKey(kms);
        assertThat(new ObjectMapper().readTree(kms.call("DescribeKey", "{\"KeyId\":\"" + keyId + "\"}"))
                .path("Response").path("KeyMetadata").path("ProtectionLevel").asText())
                .as("the level this run is for").isEqualTo(ProtectionLevels.current().name());

        EncryptResponse encrypted = kms.Encrypt(encrypt(keyId, b64(CERTIFICATE), null));
        assertThat(encrypted.getKeyId()).isEqualTo(keyId);
        assertThat(encrypted.getRequestId()).as("the envelope's RequestId beside the fields").hasSize(36);
        assertThat(encrypted.getCiphertextBlob()).isNotBlank().doesNotContain(b64(CERTIFICATE));

        DecryptRequest decrypt = new DecryptRequest();
        decrypt.setCiphertextBlob(encrypted.getCiphertextBlob());
        DecryptResponse decrypted = kms.Decrypt(decrypt);
        assertThat(decrypted.getKeyId()).isEqualTo(keyId);
        assertThat(text(decrypted.getPlaintext())).isEqualTo(CERTIFICATE);
    }

    @Test
    void encryptingTheSamePlaintextTwiceGivesDifferentCiphertexts() throws Exception {
        String keyId = Sdk.createKey(kms);
        String first = kms.Encrypt(encrypt(keyId, b64("same"), null)).getCiphertextBlob();
        String second = kms.Encrypt(encrypt(keyId, b64("same"), null)).getCiphertextBlob();
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void encryptionContextIsAuthenticatedButItsOrderAndSpacingDoNotMatter() throws Exception {
        String keyId = Sdk.createKey(kms);
        String blob = kms.Encrypt(encrypt(keyId, b64("secret"), CONTEXT)).getCiphertextBlob();

        assertThat(text(kms.Decrypt(decrypt(blob, SAME_CONTEXT_OTHER_ORDER)).getPlaintext())).isEqualTo("secret");
        assertError("FailedOperation.DecryptError", () -> kms.Decrypt(decrypt(blob, OTHER_CONTEXT)));
        assertError("FailedOperation.DecryptError", () -> kms.Decrypt(decrypt(blob, null)));
        assertError("InvalidParameterValue", () -> kms.Decrypt(decrypt(blob, "not json")));
        assertError("InvalidParameterValue", () -> kms.Encrypt(encrypt(keyId, b64("x"), "{\"a\":1}")));
    }

    /**
     * Exactly one JSON object: before, a second object after the first was ignored, so a blob
     * sealed under {"a":"1"} opened for {"a":"1"}{"b":"2"}, and of two equal keys the last won.
     */
    @Test
    void encryptionContextThatCouldBeReadTwoWaysIsRefusedOnEveryPath() throws Exception {
        String keyId = Sdk.createKey(kms);
        String blob = kms.Encrypt(encrypt(keyId, b64("secret"), "{\"a\":\"1\"}")).getCiphertextBlob();
        String trailing = "{\"a\":\"1\"}{\"b\":\"2\"}";
        String duplicate = "{\"a\":\"2\",\"a\":\"1\"}";

        assertError("InvalidParameterValue", () -> kms.Decrypt(decrypt(blob, trailing)));
        assertError("InvalidParameterValue", () -> kms.Decrypt(decrypt(blob, duplicate)));
        assertError("InvalidParameterValue", () -> kms.Encrypt(encrypt(keyId, b64("x"), trailing)));
        assertError("InvalidParameterValue", () -> kms.Encrypt(encrypt(keyId, b64("x"), duplicate)));
        GenerateDataKeyRequest dataKey = new GenerateDataKeyRequest();
        dataKey.setKeyId(keyId);
        dataKey.setKeySpec("AES_256");
        dataKey.setEncryptionContext("{\"a\":\"1\"} {}");
        assertError("InvalidParameterValue", () -> kms.GenerateDataKey(dataKey));
        ReEncryptRequest reEncrypt = reEncrypt(blob, keyId, "{\"a\":\"1\"}");
        reEncrypt.setDestinationEncryptionContext(duplicate);
        assertError("InvalidParameterValue", () -> kms.ReEncrypt(reEncrypt));
        assertThat(text(kms.Decrypt(decrypt(blob, " { \"a\" : \"1\" } ")).getPlaintext())).isEqualTo("secret");
    }

    @Test
    void plaintextOfFourKilobytesIsTheLimit() throws Exception {
        String keyId = Sdk.createKey(kms);
        byte[] largest = new byte[4096];
        Arrays.fill(largest, (byte) 'x');
        String blob = kms.Encrypt(encrypt(keyId, b64(largest), null)).getCiphertextBlob();
        assertThat(Base64.getDecoder().decode(kms.Decrypt(decrypt(blob, null)).getPlaintext())).isEqualTo(largest);

        assertError("InvalidParameterValue.InvalidPlaintext", () -> kms.Encrypt(encrypt(keyId, b64(new byte[4097]), null)));
        assertError("InvalidParameterValue.InvalidPlaintext", () -> kms.Encrypt(encrypt(keyId, "not base64!", null)));
        assertError("MissingParameter", () -> kms.Encrypt(encrypt(keyId, null, null)));
    }

    @Test
    void sm4KeysEncryptAndDecrypt() throws Exception {
        String created = kms.call("CreateKey", "{\"KeySpec\":\"SM4\",\"Description\":\"sm4 key\"}");
        String keyId = new ObjectMapper().readTree(created).path("Response").path("KeyId").asText();
        assertThat(new ObjectMapper().readTree(created).path("Response").path("KeySpec").asText()).isEqualTo("SM4");

        String blob = kms.Encrypt(encrypt(keyId, b64("国密"), CONTEXT)).getCiphertextBlob();
        assertThat(text(kms.Decrypt(decrypt(blob, CONTEXT)).getPlaintext())).isEqualTo("国密");
        assertThat(Base64.getDecoder().decode(blob)[1]).as("algorithm byte of the blob: SM4-GCM").isEqualTo((byte) 2);
    }

    @Test
    void envelopeEncryptionGivesADataKeyThatDecryptsLocallyEncryptedData() throws Exception {
        String keyId = Sdk.createKey(kms);
        GenerateDataKeyRequest request = new GenerateDataKeyRequest();
        request.setKeyId(keyId);
        request.setKeySpec("AES_256");
        request.setEncryptionContext(CONTEXT);
        GenerateDataKeyResponse dataKey = kms.GenerateDataKey(request);
        byte[] plainDataKey = Base64.getDecoder().decode(dataKey.getPlaintext());
        assertThat(plainDataKey).hasSize(32);

        // the seed's step 3: encrypt a local file with the plaintext data key, then forget the key
        byte[] nonce = new byte[12];
        Cipher local = Cipher.getInstance("AES/GCM/NoPadding");
        local.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(plainDataKey, "AES"), new GCMParameterSpec(128, nonce));
        byte[] file = local.doFinal("a large local file".getBytes());

        // envelope decryption: the stored encrypted data key goes back to the KMS
        byte[] recovered = Base64.getDecoder().decode(kms.Decrypt(decrypt(dataKey.getCiphertextBlob(), CONTEXT)).getPlaintext());
        assertThat(recovered).isEqualTo(plainDataKey);
        local.init(Cipher.DECRYPT_MODE, new SecretKeySpec(recovered, "AES"), new GCMParameterSpec(128, nonce));
        assertThat(new String(local.doFinal(file))).isEqualTo("a large local file");
    }

    @Test
    void dataKeysComeInTheAskedSizes() throws Exception {
        String keyId = Sdk.createKey(kms);
        assertThat(dataKey(keyId, "AES_128", null)).hasSize(16);
        assertThat(dataKey(keyId, null, 1L)).hasSize(1);
        assertThat(dataKey(keyId, null, 1024L)).hasSize(1024);
        assertError("InvalidParameterValue", () -> dataKey(keyId, null, 0L));
        assertError("InvalidParameterValue", () -> dataKey(keyId, null, 1025L));
        assertError("InvalidParameterValue", () -> dataKey(keyId, "AES_512", null));
        assertError("MissingParameter", () -> dataKey(keyId, null, null));
    }

    @Test
    void dataKeyWithoutPlaintextReturnsOnlyTheCiphertext() throws Exception {
        String keyId = Sdk.createKey(kms);
        var answer = new ObjectMapper().readTree(kms.call("GenerateDataKeyWithoutPlaintext",
                "{\"KeyId\":\"" + keyId + "\",\"NumberOfBytes\":32}")).path("Response");
        assertThat(answer.has("Plaintext")).isFalse();
        String plaintext = kms.Decrypt(decrypt(answer.path("CiphertextBlob").asText(), null)).getPlaintext();
        assertThat(Base64.getDecoder().decode(plaintext)).hasSize(32);
    }

    @Test
    void reEncryptMovesACiphertextToAnotherKeyAndContext() throws Exception {
        String source = Sdk.createKey(kms);
        String destination = Sdk.createKey(kms);
        String blob = kms.Encrypt(encrypt(source, b64("moving"), CONTEXT)).getCiphertextBlob();

        ReEncryptRequest request = new ReEncryptRequest();
        request.setCiphertextBlob(blob);
        request.setDestinationKeyId(destination);
        request.setSourceEncryptionContext(CONTEXT);
        request.setDestinationEncryptionContext(OTHER_CONTEXT);
        ReEncryptResponse moved = kms.ReEncrypt(request);
        assertThat(moved.getKeyId()).isEqualTo(destination);
        assertThat(moved.getSourceKeyId()).isEqualTo(source);
        assertThat(moved.getReEncrypted()).isTrue();

        DecryptResponse decrypted = kms.Decrypt(decrypt(moved.getCiphertextBlob(), OTHER_CONTEXT));
        assertThat(decrypted.getKeyId()).isEqualTo(destination);
        assertThat(text(decrypted.getPlaintext())).isEqualTo("moving");
        assertError("FailedOperation.DecryptError", () -> kms.ReEncrypt(reEncrypt(blob, destination, OTHER_CONTEXT)));
    }

    @Test
    void aCiphertextCannotBeDecryptedUnderAnotherKeyEvenWhenRelabelled() throws Exception {
        String first = Sdk.createKey(kms);
        String second = Sdk.createKey(kms);
        byte[] blob = Base64.getDecoder().decode(kms.Encrypt(encrypt(first, b64("bound"), null)).getCiphertextBlob());
        byte[] secondBlob = Base64.getDecoder().decode(kms.Encrypt(encrypt(second, b64("other"), null)).getCiphertextBlob());
        // put the second key's id and version into the first key's ciphertext
        System.arraycopy(secondBlob, 2, blob, 2, 32);
        assertError("FailedOperation.DecryptError", () -> kms.Decrypt(decrypt(b64(blob), null)));
    }

    @Test
    void malformedCiphertextsAreRefused() throws Exception {
        assertError("InvalidParameterValue.InvalidCiphertext", () -> kms.Decrypt(decrypt("@@@", null)));
        assertError("InvalidParameterValue.InvalidCiphertext", () -> kms.Decrypt(decrypt(b64("short"), null)));
        byte[] unknownKey = new byte[80];
        unknownKey[0] = 1;
        unknownKey[1] = 1;
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.Decrypt(decrypt(b64(unknownKey), null)));
    }

    @Test
    void disabledAndPendingDeleteKeysRefuseEveryOperation() throws Exception {
        String disabled = Sdk.createKey(kms);
        String blob = kms.Encrypt(encrypt(disabled, b64("x"), null)).getCiphertextBlob();
        DisableKeyRequest disable = new DisableKeyRequest();
        disable.setKeyId(disabled);
        kms.DisableKey(disable);
        assertError("ResourceUnavailable.CmkDisabled", () -> kms.Encrypt(encrypt(disabled, b64("x"), null)));
        assertError("ResourceUnavailable.CmkDisabled", () -> kms.Decrypt(decrypt(blob, null)));
        assertError("ResourceUnavailable.CmkDisabled", () -> dataKey(disabled, "AES_256", null));

        String pending = Sdk.createKey(kms);
        String pendingBlob = kms.Encrypt(encrypt(pending, b64("x"), null)).getCiphertextBlob();
        ScheduleKeyDeletionRequest schedule = new ScheduleKeyDeletionRequest();
        schedule.setKeyId(pending);
        schedule.setPendingWindowInDays(7L);
        kms.ScheduleKeyDeletion(schedule);
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> kms.Encrypt(encrypt(pending, b64("x"), null)));
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> kms.Decrypt(decrypt(pendingBlob, null)));
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> kms.ReEncrypt(reEncrypt(pendingBlob, null, null)));
    }

    @Test
    void externalKeysWithoutMaterialRefuseEveryOperation() throws Exception {
        com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest request = new com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest();
        request.setType(2L);
        var created = kms.CreateKey(ProtectionLevels.atCurrentLevel(request));
        assertThat(created.getKeyState()).isEqualTo("PendingImport");
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> kms.Encrypt(encrypt(created.getKeyId(), b64("x"), null)));
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> dataKey(created.getKeyId(), "AES_256", null));
    }

    @Test
    void randomBytesComeInTheAskedNumber() throws Exception {
        GenerateRandomRequest request = new GenerateRandomRequest();
        request.setNumberOfBytes(32L);
        byte[] first = Base64.getDecoder().decode(kms.GenerateRandom(request).getPlaintext());
        byte[] second = Base64.getDecoder().decode(kms.GenerateRandom(request).getPlaintext());
        assertThat(first).hasSize(32).isNotEqualTo(second);
        request.setNumberOfBytes(1025L);
        assertError("InvalidParameterValue", () -> kms.GenerateRandom(request));
        request.setNumberOfBytes(0L);
        assertError("InvalidParameterValue", () -> kms.GenerateRandom(request));
    }

    @Test
    void algorithmsAndServiceStatusAreListed() throws Exception {
        ListAlgorithmsResponse algorithms = kms.ListAlgorithms(new ListAlgorithmsRequest());
        assertThat(Arrays.stream(algorithms.getSymmetricAlgorithms()).map(a -> a.getAlgorithm()))
                .containsExactlyInAnyOrder("AES_256", "SM4");
        assertThat(kms.GetServiceStatus(new GetServiceStatusRequest()).getServiceEnabled()).isTrue();
    }

    private static byte[] dataKey(String keyId, String keySpec, Long numberOfBytes) throws Exception {
        GenerateDataKeyRequest request = new GenerateDataKeyRequest();
        request.setKeyId(keyId);
        request.setKeySpec(keySpec);
        request.setNumberOfBytes(numberOfBytes);
        return Base64.getDecoder().decode(kms.GenerateDataKey(request).getPlaintext());
    }

    static EncryptRequest encrypt(String keyId, String plaintext, String context) {
        EncryptRequest request = new EncryptRequest();
        request.setKeyId(keyId);
        request.setPlaintext(plaintext);
        request.setEncryptionContext(context);
        return request;
    }

    static DecryptRequest decrypt(String blob, String context) {
        DecryptRequest request = new DecryptRequest();
        request.setCiphertextBlob(blob);
        request.setEncryptionContext(context);
        return request;
    }

    private static ReEncryptRequest reEncrypt(String blob, String destination, String sourceContext) {
        ReEncryptRequest request = new ReEncryptRequest();
        request.setCiphertextBlob(blob);
        request.setDestinationKeyId(destination);
        request.setSourceEncryptionContext(sourceContext);
        return request;
    }
}
