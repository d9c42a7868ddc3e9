package org.opencmk.kms.server.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DecryptRequest;
import com.tencentcloudapi.kms.v20190118.models.DeleteImportedKeyMaterialRequest;
import com.tencentcloudapi.kms.v20190118.models.DeleteImportedKeyMaterialResponse;
import com.tencentcloudapi.kms.v20190118.models.DescribeKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.EncryptRequest;
import com.tencentcloudapi.kms.v20190118.models.GetParametersForImportRequest;
import com.tencentcloudapi.kms.v20190118.models.GetParametersForImportResponse;
import com.tencentcloudapi.kms.v20190118.models.ImportKeyMaterialRequest;
import com.tencentcloudapi.kms.v20190118.models.ImportKeyMaterialResponse;
import com.tencentcloudapi.kms.v20190118.models.KeyMetadata;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource.PSpecified;

/**
 * The steps of bringing your own key (seed 000), through the official SDK: create an EXTERNAL
 * CMK, get import parameters, wrap material locally, import it; and the checks around them.
 * Material here is test data, yet it is never printed: assertions compare it as booleans.
 */
public final class ImportSteps {

    public static final String RSA_2048 = "RSA_2048";
    public static final String SM2 = "SM2";
    public static final String OAEP_SHA_256 = "RSAES_OAEP_SHA_256";
    public static final String OAEP_SHA_1 = "RSAES_OAEP_SHA_1";
    public static final String PKCS1_V1_5 = "RSAES_PKCS1_V1_5";
    public static final String SM2PKE = "SM2PKE";
    /** Tencent CreateKey Type 2: key material from outside (seed 000, step 1). */
    public static final long TYPE_EXTERNAL = 2L;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private ImportSteps() {
    }

    /** Seed 000, step 1: {@code tccli kms CreateKey --Alias <alias> --Type 2}. */
    public static String createExternalKey(KmsClient kms, String alias, String description) throws TencentCloudSDKException {
        CreateKeyRequest request = new CreateKeyRequest();
        request.setAlias(alias);
        request.setDescription(description);
        request.setType(TYPE_EXTERNAL);
        return kms.CreateKey(ProtectionLevels.atCurrentLevel(request)).getKeyId();
    }

    public static String createExternalKey(KmsClient kms) throws TencentCloudSDKException {
        return createExternalKey(kms, null, "imported");
    }

    /** An EXTERNAL SM4 key: KeySpec is OpenCMK's extension to CreateKey, sent through the SDK's generic call. */
    public static String createExternalSm4Key(KmsClient kms) throws Exception {
        String answer = kms.call("CreateKey", "{\"Type\":" + TYPE_EXTERNAL + ",\"KeySpec\":\"SM4\"}");
        return JSON.readTree(answer).path("Response").path("KeyId").asText();
    }

    /** Seed 000, step 2. */
    public static GetParametersForImportResponse parameters(KmsClient kms, String keyId, String wrappingAlgorithm,
                                                            String wrappingKeySpec) throws TencentCloudSDKException {
        GetParametersForImportRequest request = new GetParametersForImportRequest();
        request.setKeyId(keyId);
        request.setWrappingAlgorithm(wrappingAlgorithm);
        request.setWrappingKeySpec(wrappingKeySpec);
        return kms.GetParametersForImport(request);
    }

    public static GetParametersForImportResponse rsaParameters(KmsClient kms, String keyId) throws TencentCloudSDKException {
        return parameters(kms, keyId, OAEP_SHA_256, RSA_2048);
    }

    /**
     * Seed 001's Java sample, as written there: RSAES_OAEP_SHA_256 is OAEP with SHA-256 and
     * MGF1-SHA-256, which the sample asks for through an explicit {@link OAEPParameterSpec}.
     */
    public static String wrapOaepSha256(String encryptPublicKey, byte[] keyMaterial) throws Exception {
        byte[] publicKeyDer = Base64.getDecoder().decode(encryptPublicKey);
        KeyFactory keyFact = KeyFactory.getInstance("RSA");
        X509EncodedKeySpec spec = new X509EncodedKeySpec(publicKeyDer);
        PublicKey publicKey = keyFact.generatePublic(spec);
        Cipher oaepFromAlgo = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
        String hashFunc = "SHA-256";
        OAEPParameterSpec oaepParams = new OAEPParameterSpec(hashFunc, "MGF1", new MGF1ParameterSpec(hashFunc),
                PSpecified.DEFAULT);
        oaepFromAlgo.init(Cipher.ENCRYPT_MODE, publicKey, oaepParams);
        byte[] cipherDer = oaepFromAlgo.doFinal(keyMaterial);
        return Base64.getEncoder().encodeToString(cipherDer);
    }

    /** RSAES-PKCS1-v1_5 with the JDK, as {@code rsa_padding_mode:pkcs1} does. */
    public static String wrapPkcs1(String encryptPublicKey, byte[] keyMaterial) throws Exception {
        PublicKey publicKey = KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(encryptPublicKey)));
        Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        cipher.init(Cipher.ENCRYPT_MODE, publicKey);
        return Base64.getEncoder().encodeToString(cipher.doFinal(keyMaterial));
    }

    /** Seed 000, step 4. */
    public static ImportKeyMaterialResponse importMaterial(KmsClient kms, String keyId, String encryptedKeyMaterial,
                                                           String importToken, Long validTo) throws TencentCloudSDKException {
        ImportKeyMaterialRequest request = new ImportKeyMaterialRequest();
        request.setKeyId(keyId);
        request.setEncryptedKeyMaterial(encryptedKeyMaterial);
        request.setImportToken(importToken);
        request.setValidTo(validTo);
        return kms.ImportKeyMaterial(request);
    }

    /** Steps 2 to 4 with fresh parameters: RSAES_OAEP_SHA_256 and seed 001's Java sample. */
    public static ImportKeyMaterialResponse importMaterial(KmsClient kms, String keyId, byte[] material, Long validTo)
            throws Exception {
        GetParametersForImportResponse parameters = rsaParameters(kms, keyId);
        return importMaterial(kms, keyId, wrapOaepSha256(parameters.getPublicKey(), material), parameters.getImportToken(),
                validTo);
    }

    public static DeleteImportedKeyMaterialResponse deleteMaterial(KmsClient kms, String keyId)
            throws TencentCloudSDKException {
        DeleteImportedKeyMaterialRequest request = new DeleteImportedKeyMaterialRequest();
        request.setKeyId(keyId);
        return kms.DeleteImportedKeyMaterial(request);
    }

    public static KeyMetadata metadata(KmsClient kms, String keyId) throws TencentCloudSDKException {
        DescribeKeyRequest request = new DescribeKeyRequest();
        request.setKeyId(keyId);
        return kms.DescribeKey(request).getKeyMetadata();
    }

    public static String state(KmsClient kms, String keyId) throws TencentCloudSDKException {
        return metadata(kms, keyId).getKeyState();
    }

    public static String encrypt(KmsClient kms, String keyId, String plaintext, String context)
            throws TencentCloudSDKException {
        EncryptRequest request = new EncryptRequest();
        request.setKeyId(keyId);
        request.setPlaintext(Sdk.b64(plaintext));
        request.setEncryptionContext(context);
        return kms.Encrypt(request).getCiphertextBlob();
    }

    public static String decrypt(KmsClient kms, String ciphertextBlob, String context) throws TencentCloudSDKException {
        DecryptRequest request = new DecryptRequest();
        request.setCiphertextBlob(ciphertextBlob);
        request.setEncryptionContext(context);
        return Sdk.text(kms.Decrypt(request).getPlaintext());
    }

    /** Key material as a user's random source makes it. */
    public static byte[] newMaterial(int bytes) {
        byte[] material = new byte[bytes];
        RANDOM.nextBytes(material);
        return material;
    }

    /**
     * Asserts the call is refused with {@code code} and changes nothing the owner can see of the
     * key: its state, ValidTo, description and alias are as before.
     */
    public static void assertRefusedUnchanged(KmsClient owner, String keyId, String code, Sdk.SdkCall call)
            throws Exception {
        KeyMetadata before = metadata(owner, keyId);
        Sdk.assertError(code, call);
        KeyMetadata after = metadata(owner, keyId);
        assertThat(after.getKeyState()).as("KeyState after a refused call").isEqualTo(before.getKeyState());
        assertThat(after.getValidTo()).as("ValidTo after a refused call").isEqualTo(before.getValidTo());
        assertThat(after.getDescription()).isEqualTo(before.getDescription());
        assertThat(after.getAlias()).isEqualTo(before.getAlias());
    }
}
