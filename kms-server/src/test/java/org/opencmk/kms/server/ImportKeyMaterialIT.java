package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.ImportSteps.OAEP_SHA_1;
import static org.opencmk.kms.server.support.ImportSteps.OAEP_SHA_256;
import static org.opencmk.kms.server.support.ImportSteps.PKCS1_V1_5;
import static org.opencmk.kms.server.support.ImportSteps.RSA_2048;
import static org.opencmk.kms.server.support.ImportSteps.SM2;
import static org.opencmk.kms.server.support.ImportSteps.SM2PKE;
import static org.opencmk.kms.server.support.ImportSteps.assertRefusedUnchanged;
import static org.opencmk.kms.server.support.ImportSteps.createExternalKey;
import static org.opencmk.kms.server.support.ImportSteps.createExternalSm4Key;
import static org.opencmk.kms.server.support.ImportSteps.decrypt;
import static org.opencmk.kms.server.support.ImportSteps.deleteMaterial;
import static org.opencmk.kms.server.support.ImportSteps.encrypt;
import static org.opencmk.kms.server.support.ImportSteps.importMaterial;
import static org.opencmk.kms.server.support.ImportSteps.metadata;
import static org.opencmk.kms.server.support.ImportSteps.newMaterial;
import static org.opencmk.kms.server.support.ImportSteps.parameters;
import static org.opencmk.kms.server.support.ImportSteps.rsaParameters;
import static org.opencmk.kms.server.support.ImportSteps.state;
import static org.opencmk.kms.server.support.ImportSteps.wrapOaepSha256;
import static org.opencmk.kms.server.support.Sdk.assertError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.DeleteImportedKeyMaterialRequest;
import com.tencentcloudapi.kms.v20190118.models.GetParametersForImportResponse;
import com.tencentcloudapi.kms.v20190118.models.ImportKeyMaterialRequest;
import com.tencentcloudapi.kms.v20190118.models.KeyMetadata;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.awaitility.Awaitility;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.Openssl;
import org.opencmk.kms.server.support.Sdk;
import org.opencmk.kms.server.support.SharedKmsServer;
import org.slf4j.LoggerFactory;

/**
 * Bring your own key as the seeds walk through it (000, 001, 002): an EXTERNAL CMK, import
 * parameters from the server, material wrapped on the user's side with the guides' openssl
 * commands as written (or seed 001's Java sample), the import, and the key in use. Each
 * walkthrough proves the KMS encrypts with exactly the user's material: the ciphertext blob is
 * opened here, with nothing but that material and the blob layout (crypto-engine
 * {@code CiphertextBlob}). Then deletion and re-import of the material, and the audit trail.
 * The rules and refusals are in {@link ImportKeyMaterialRulesIT}, expiry in
 * {@link ImportedMaterialExpiryIT}.
 */
class ImportKeyMaterialIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAYLOAD = "payroll 2026-11, imported key";
    /** The context as a caller writes it, and the canonical form the blob authenticates: sorted, compact. */
    private static final String CONTEXT = "{ \"env\": \"test\", \"app\": \"byok\" }";
    private static final String CANONICAL_CONTEXT = "{\"app\":\"byok\",\"env\":\"test\"}";
    /**
     * Blob layout, format version 2 (crypto-engine CiphertextBlob): version | alg | KeyId |
     * KeyVersionId | nonce N (24) | ct | tag; the message key is derived from the material and
     * N[0:12] as C2SP XAES-256-GCM does (for SM4, the same construction over SM4), GCM's nonce is N[12:24].
     */
    private static final int KEY_ID_OFFSET = 2;
    private static final int NONCE_OFFSET = 34;
    private static final int NONCE_LENGTH = 24;
    private static final int DERIVATION_NONCE_LENGTH = 12;
    private static final int HEADER_LENGTH = NONCE_OFFSET + NONCE_LENGTH;
    private static final int TAG_BITS = 128;
    private static final byte AES_256_GCM = 1;
    private static final byte SM4_GCM = 2;
    /** Bounds every wait; reached only if the feature is broken. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static final ListAppender<ILoggingEvent> AUDIT = new ListAppender<>();
    private static KmsServer server;
    private static KmsClient kms;

    @TempDir
    Path directory;

    @BeforeAll
    static void server() {
        server = SharedKmsServer.get();
        kms = server.adminClient();
        AUDIT.start();
        ((Logger) LoggerFactory.getLogger("kms.audit")).addAppender(AUDIT);
    }

    @AfterAll
    static void detach() {
        ((Logger) LoggerFactory.getLogger("kms.audit")).detachAppender(AUDIT);
    }

    // Seed 000 / 002, step 3 (4): RSAES_OAEP_SHA_256
    @Test
    void theGuidesOpensslOaepSha256CommandImportsMaterialTheKeyThenEncryptsWith() throws Exception {
        String keyId = createExternalKey(kms, "byok-oaep-256", "seed 000");
        assertThat(state(kms, keyId)).as("seed 000, step 1: created without material").isEqualTo("PendingImport");

        byte[] material = importWithOpenssl(keyId, OAEP_SHA_256, RSA_2048, 32,
                "openssl pkeyutl -in KeyMaterial.bin -out EncryptedKeyMaterial.bin -inkey PublicKey.bin -keyform DER"
                        + " -pubin -encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256");

        assertTheKeyEncryptsWithExactly(keyId, material, AES_256_GCM);
    }

    // Seed 000 / 002, step 3 (4): RSAES_PKCS1_V1_5
    @Test
    void theGuidesOpensslPkcs1CommandImportsMaterialTheKeyThenEncryptsWith() throws Exception {
        String keyId = createExternalKey(kms);

        byte[] material = importWithOpenssl(keyId, PKCS1_V1_5, RSA_2048, 32,
                "openssl pkeyutl -in KeyMaterial.bin -out EncryptedKeyMaterial.bin -inkey PublicKey.bin -keyform DER"
                        + " -pubin -encrypt -pkeyopt rsa_padding_mode:pkcs1");

        assertTheKeyEncryptsWithExactly(keyId, material, AES_256_GCM);
    }

    // Seed 000 / 002, step 3 (4): RSAES_OAEP_SHA_1 with pkeyutl
    @Test
    void theGuidesOpensslOaepSha1CommandImportsMaterialTheKeyThenEncryptsWith() throws Exception {
        String keyId = createExternalKey(kms);

        byte[] material = importWithOpenssl(keyId, OAEP_SHA_1, RSA_2048, 32,
                "openssl pkeyutl -in KeyMaterial.bin -out EncryptedKeyMaterial.bin -inkey PublicKey.bin -keyform DER"
                        + " -pubin -encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1");

        assertTheKeyEncryptsWithExactly(keyId, material, AES_256_GCM);
    }

    // Seed 001, step 3: the deprecated rsautl, whose -oaep is RSAES_OAEP_SHA_1
    @Test
    void theGuidesOpensslRsautlOaepCommandImportsMaterialTheKeyThenEncryptsWith() throws Exception {
        String keyId = createExternalKey(kms);

        byte[] material = importWithOpenssl(keyId, OAEP_SHA_1, RSA_2048, 32,
                "openssl rsautl -encrypt -in KeyMaterial.bin -oaep -inkey PublicKey.bin -keyform DER -pubin"
                        + " -out EncryptedKeyMaterial.bin");

        assertTheKeyEncryptsWithExactly(keyId, material, AES_256_GCM);
    }

    // Seed 001 (SM2PKE) and seed 000 ("国密版本 key material 长度必须为 128"): an SM4 key takes 16 bytes
    @Test
    void anSm4KeyTakesMaterialWrappedWithOpensslUnderAnSm2WrappingKey() throws Exception {
        String keyId = createExternalSm4Key(kms);
        assertThat(metadata(kms, keyId).getType()).as("Chinese national standard").isEqualTo(4L);

        byte[] material = importWithOpenssl(keyId, SM2PKE, SM2, 16,
                "openssl pkeyutl -encrypt -pubin -inkey PublicKey.bin -keyform DER -in KeyMaterial.bin"
                        + " -out EncryptedKeyMaterial.bin");

        assertTheKeyEncryptsWithExactly(keyId, material, SM4_GCM);
    }

    // Seed 001, "代码示例", JAVA SDK
    @Test
    void theSeedsJavaSampleImportsMaterialWithOaepSha256() throws Exception {
        String keyId = createExternalKey(kms);
        byte[] keyMaterial = newMaterial(32);
        GetParametersForImportResponse paramResponse = parameters(kms, keyId, OAEP_SHA_256, RSA_2048);

        String encryptedKeyMaterial = wrapOaepSha256(paramResponse.getPublicKey(), keyMaterial);
        importMaterial(kms, keyId, encryptedKeyMaterial, paramResponse.getImportToken(), 0L);

        assertTheKeyEncryptsWithExactly(keyId, keyMaterial, AES_256_GCM);
    }

    // SPEC "BYOK import"; seed 001: "CMK具有独立性 … 即便这些CMK都使用相同的密钥材料"
    @Test
    void twoKeysHoldingTheSameMaterialCannotDecryptEachOthersCiphertexts() throws Exception {
        byte[] material = newMaterial(32);
        String first = createExternalKey(kms);
        String second = createExternalKey(kms);
        importMaterial(kms, first, material, null);
        importMaterial(kms, second, material, null);
        byte[] firstBlob = Base64.getDecoder().decode(encrypt(kms, first, PAYLOAD, CONTEXT));
        byte[] secondBlob = Base64.getDecoder().decode(encrypt(kms, second, PAYLOAD, CONTEXT));

        // The first key's ciphertext, relabelled as the second key's (its KeyId and KeyVersionId):
        // the second key holds the very same material, and still refuses it.
        byte[] relabelled = firstBlob.clone();
        System.arraycopy(secondBlob, KEY_ID_OFFSET, relabelled, KEY_ID_OFFSET, NONCE_OFFSET - KEY_ID_OFFSET);
        assertError("FailedOperation.DecryptError", () -> decrypt(kms, Sdk.b64(relabelled), CONTEXT));
        byte[] relabelledBack = secondBlob.clone();
        System.arraycopy(firstBlob, KEY_ID_OFFSET, relabelledBack, KEY_ID_OFFSET, NONCE_OFFSET - KEY_ID_OFFSET);
        assertError("FailedOperation.DecryptError", () -> decrypt(kms, Sdk.b64(relabelledBack), CONTEXT));

        assertThat(decrypt(kms, Sdk.b64(firstBlob), CONTEXT)).isEqualTo(PAYLOAD);
        assertThat(decrypt(kms, Sdk.b64(secondBlob), CONTEXT)).isEqualTo(PAYLOAD);
        assertThat(blobKeyId(firstBlob)).isEqualTo(first);
        assertThat(blobKeyId(secondBlob)).isEqualTo(second);
    }

    // Seed 000, "删除密钥材料" and the note after it; SPEC "BYOK import"
    @Test
    void deletedMaterialLeavesTheKeyWaitingForTheSameMaterialAndOldCiphertextsDecryptAgain() throws Exception {
        String keyId = createExternalKey(kms, "byok-deleted", "archive of 2025");
        kms.call("CreateAlias", "{\"Alias\":\"byok-deleted-too\",\"KeyId\":\"" + keyId + "\"}");
        byte[] material = newMaterial(32);
        importMaterial(kms, keyId, material, null);
        assertThat(metadata(kms, keyId).getValidTo()).as("0: never expires").isZero();
        String blob = encrypt(kms, keyId, PAYLOAD, CONTEXT);

        DeleteImportedKeyMaterialRequest delete = new DeleteImportedKeyMaterialRequest();
        delete.setKeyId("byok-deleted");
        kms.DeleteImportedKeyMaterial(delete);

        KeyMetadata deleted = metadata(kms, keyId);
        assertThat(deleted.getKeyState()).isEqualTo("PendingImport");
        assertThat(deleted.getOrigin()).isEqualTo("EXTERNAL");
        assertThat(deleted.getDescription()).isEqualTo("archive of 2025");
        assertThat(deleted.getAlias()).isEqualTo("byok-deleted");
        assertThat(deleted.getValidTo()).isZero();
        JsonNode aliases = JSON.readTree(kms.call("ListAliasesByKeyId", "{\"KeyId\":\"" + keyId + "\"}"))
                .path("Response").path("Aliases");
        assertThat(aliases.findValuesAsText("Alias")).containsExactlyInAnyOrder("byok-deleted", "byok-deleted-too");
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> encrypt(kms, keyId, PAYLOAD, CONTEXT));
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> decrypt(kms, blob, CONTEXT));
        assertRefusedUnchanged(kms, keyId, "ResourceUnavailable.CmkStateNotSupport", () -> deleteMaterial(kms, keyId));
        assertRefusedUnchanged(kms, keyId, "InvalidParameterValue.MaterialNotMatch",
                () -> importMaterial(kms, keyId, newMaterial(32), null));

        long validTo = Instant.now().plus(Duration.ofDays(30)).getEpochSecond();
        importMaterial(kms, "byok-deleted-too", material, validTo);

        KeyMetadata restored = metadata(kms, keyId);
        assertThat(restored.getKeyState()).isEqualTo("Enabled");
        assertThat(restored.getValidTo()).isEqualTo(validTo);
        assertThat(decrypt(kms, blob, CONTEXT)).as("the ciphertext made before the deletion").isEqualTo(PAYLOAD);
        assertThat(decrypt(kms, encrypt(kms, keyId, PAYLOAD, CONTEXT), CONTEXT)).isEqualTo(PAYLOAD);
    }

    // SPEC "Operations around the API": every call audited, never key material (nor the token)
    @Test
    void eachImportActionIsAuditedWithItsKeyAndNeverTheTokenOrTheMaterial() throws Exception {
        String keyId = createExternalKey(kms, "byok-audited", "audited");
        byte[] material = newMaterial(32);
        GetParametersForImportResponse issued = rsaParameters(kms, "byok-audited");
        String encrypted = wrapOaepSha256(issued.getPublicKey(), material);
        ImportKeyMaterialRequest request = new ImportKeyMaterialRequest();
        request.setKeyId("byok-audited");
        request.setEncryptedKeyMaterial(encrypted);
        request.setImportToken(issued.getImportToken());
        String imported = kms.ImportKeyMaterial(request).getRequestId();
        String refusedRequest = refusedRequestId(() -> importMaterial(kms, keyId, wrapOaepSha256(issued.getPublicKey(),
                newMaterial(32)), issued.getImportToken(), null));
        DeleteImportedKeyMaterialRequest delete = new DeleteImportedKeyMaterialRequest();
        delete.setKeyId("byok-audited");
        String deleted = kms.DeleteImportedKeyMaterial(delete).getRequestId();

        JsonNode parametersLine = auditLine(issued.getRequestId());
        JsonNode importLine = auditLine(imported);
        JsonNode refusedLine = auditLine(refusedRequest);
        JsonNode deleteLine = auditLine(deleted);

        assertThat(parametersLine.path("action").asText()).isEqualTo("GetParametersForImport");
        assertThat(importLine.path("action").asText()).isEqualTo("ImportKeyMaterial");
        assertThat(deleteLine.path("action").asText()).isEqualTo("DeleteImportedKeyMaterial");
        for (JsonNode line : List.of(parametersLine, importLine, deleteLine)) {
            assertThat(line.path("keyId").asText()).as("the alias resolved to the key").isEqualTo(keyId);
            assertThat(line.path("outcome").asText()).isEqualTo("Success");
        }
        assertThat(refusedLine.path("outcome").asText()).isEqualTo("InvalidParameterValue.MaterialNotMatch");
        assertThat(refusedLine.path("requestedKey").asText()).isEqualTo(keyId);
        List<String> secrets = List.of(issued.getImportToken(), encrypted, Sdk.b64(material),
                HexFormat.of().formatHex(material));
        for (JsonNode line : List.of(parametersLine, importLine, refusedLine, deleteLine)) {
            assertHoldsNone(line.toString(), secrets, "audit line of " + line.path("action").asText());
        }
        assertHoldsNone(Files.readString(server.logFile()), secrets, "the server's log");
    }

    /**
     * Seed 000 / 001, steps 2 to 4: the public key written as the base64 text file the guide
     * reads, then the guide's commands in order; the material never leaves the directory but
     * wrapped. Returns the material openssl made.
     */
    private byte[] importWithOpenssl(String keyId, String wrappingAlgorithm, String wrappingKeySpec, int materialBytes,
                                     String encryptCommand) throws Exception {
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(directory);
        GetParametersForImportResponse parameters = parameters(kms, keyId, wrappingAlgorithm, wrappingKeySpec);
        assertThat(parameters.getKeyId()).isEqualTo(keyId);
        Files.writeString(openssl.file("PublicKey_base64.txt"), parameters.getPublicKey(), StandardCharsets.US_ASCII);

        openssl.run("openssl rand -out KeyMaterial.bin " + materialBytes);
        openssl.run("openssl enc -d -base64 -A -in PublicKey_base64.txt -out PublicKey.bin");
        openssl.run(encryptCommand);
        openssl.run("openssl enc -e -base64 -A -in EncryptedKeyMaterial.bin -out EncryptedKeyMaterial_base64.txt");

        String encryptedKeyMaterial = Files.readString(openssl.file("EncryptedKeyMaterial_base64.txt"),
                StandardCharsets.US_ASCII).strip();
        importMaterial(kms, keyId, encryptedKeyMaterial, parameters.getImportToken(), null);
        byte[] material = Files.readAllBytes(openssl.file("KeyMaterial.bin"));
        assertThat(material.length).isEqualTo(materialBytes);
        return material;
    }

    /**
     * The key is usable, and its ciphertexts are the user's material at work: opened here with
     * that material alone, under the blob's header and the canonical context as associated data.
     */
    private static void assertTheKeyEncryptsWithExactly(String keyId, byte[] material, byte algorithm) throws Exception {
        KeyMetadata imported = metadata(kms, keyId);
        assertThat(imported.getKeyState()).as("seed 000, step 4").isEqualTo("Enabled");
        assertThat(imported.getOrigin()).isEqualTo("EXTERNAL");
        assertThat(imported.getValidTo()).as("no ValidTo: never expires").isZero();

        byte[] blob = Base64.getDecoder().decode(encrypt(kms, keyId, PAYLOAD, CONTEXT));

        assertThat(decrypt(kms, Sdk.b64(blob), CONTEXT)).isEqualTo(PAYLOAD);
        assertThat(blob[0]).as("format version").isEqualTo((byte) 2);
        assertThat(blob[1]).as("algorithm").isEqualTo(algorithm);
        assertThat(blobKeyId(blob)).isEqualTo(keyId);
        assertThat(openLocally(material, blob, CANONICAL_CONTEXT)).as("opened with the user's material")
                .isEqualTo(PAYLOAD);
        byte[] otherMaterial = material.clone();
        otherMaterial[0] ^= 1;
        assertThat(openLocally(otherMaterial, blob, CANONICAL_CONTEXT)).as("and with no other").isNull();
    }

    /**
     * AES-256-GCM or SM4-GCM: key = the message key derived from the material and the nonce's
     * first half, IV = its second half, AAD = header || canonical context.
     */
    private static String openLocally(byte[] material, byte[] blob, String canonicalContext) throws Exception {
        byte[] header = Arrays.copyOf(blob, HEADER_LENGTH);
        byte[] derivationNonce = Arrays.copyOfRange(blob, NONCE_OFFSET, NONCE_OFFSET + DERIVATION_NONCE_LENGTH);
        byte[] nonce = Arrays.copyOfRange(blob, NONCE_OFFSET + DERIVATION_NONCE_LENGTH, HEADER_LENGTH);
        material = messageKey(material, derivationNonce, blob[1] == AES_256_GCM);
        byte[] context = canonicalContext.getBytes(StandardCharsets.UTF_8);
        byte[] sealed = Arrays.copyOfRange(blob, HEADER_LENGTH, blob.length);
        try {
            byte[] plaintext;
            if (blob[1] == AES_256_GCM) {
                Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
                gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(material, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
                gcm.updateAAD(header);
                gcm.updateAAD(context);
                plaintext = gcm.doFinal(sealed);
            } else {
                GCMModeCipher gcm = GCMBlockCipher.newInstance(new SM4Engine());
                gcm.init(false, new AEADParameters(new KeyParameter(material), TAG_BITS, nonce));
                gcm.processAADBytes(header, 0, header.length);
                gcm.processAADBytes(context, 0, context.length);
                plaintext = new byte[gcm.getOutputSize(sealed.length)];
                int length = gcm.processBytes(sealed, 0, sealed.length, plaintext, 0);
                gcm.doFinal(plaintext, length);
            }
            return new String(plaintext, StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException | org.bouncycastle.crypto.InvalidCipherTextException e) {
            return null;
        }
    }

    /**
     * C2SP XAES-256-GCM's key derivation, written here from the specification and independent of
     * the server's code: L = E_K(0^128), K1 = L doubled in GF(2^128), M_i = 0x00 i 'X' 0x00 || N,
     * key = E_K(M_1 ^ K1) || E_K(M_2 ^ K1); for SM4 (128-bit keys) the first block alone.
     */
    private static byte[] messageKey(byte[] material, byte[] derivationNonce, boolean aes) throws Exception {
        org.bouncycastle.crypto.BlockCipher block = aes ? new org.bouncycastle.crypto.engines.AESEngine() : new SM4Engine();
        block.init(true, new KeyParameter(material));
        byte[] l = new byte[16];
        block.processBlock(new byte[16], 0, l, 0);
        byte[] k1 = new byte[16];
        int carry = 0;
        for (int i = 15; i >= 0; i--) {
            int b = l[i] & 0xff;
            k1[i] = (byte) ((b << 1) | carry);
            carry = b >>> 7;
        }
        if ((l[0] & 0x80) != 0) {
            k1[15] ^= (byte) 0x87;
        }
        int blocks = aes ? 2 : 1;
        byte[] key = new byte[16 * blocks];
        for (int i = 0; i < blocks; i++) {
            byte[] m = new byte[16];
            m[1] = (byte) (i + 1);
            m[2] = 'X';
            System.arraycopy(derivationNonce, 0, m, 4, DERIVATION_NONCE_LENGTH);
            for (int j = 0; j < 16; j++) {
                m[j] ^= k1[j];
            }
            block.processBlock(m, 0, key, 16 * i);
        }
        return key;
    }

    private static String blobKeyId(byte[] blob) {
        ByteBuffer view = ByteBuffer.wrap(blob);
        return new UUID(view.getLong(KEY_ID_OFFSET), view.getLong(KEY_ID_OFFSET + 8)).toString();
    }

    private static String refusedRequestId(Sdk.SdkCall call) throws Exception {
        try {
            call.call();
        } catch (com.tencentcloudapi.common.exception.TencentCloudSDKException e) {
            return e.getRequestId();
        }
        throw new AssertionError("the call was not refused");
    }

    private static void assertHoldsNone(String text, List<String> secrets, String where) {
        for (int i = 0; i < secrets.size(); i++) {
            // a boolean, so that a failure does not print the secret
            assertThat(text.contains(secrets.get(i))).as("%s holds secret #%d", where, i).isFalse();
        }
    }

    /** The audit line of one request; the writer is asynchronous, so wait for it. */
    private static JsonNode auditLine(String requestId) {
        AtomicReference<JsonNode> found = new AtomicReference<>();
        Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
            List<ILoggingEvent> events;
            synchronized (AUDIT) { // the appender appends under its own monitor
                events = List.copyOf(AUDIT.list);
            }
            for (ILoggingEvent event : events) {
                JsonNode line = JSON.readTree(event.getFormattedMessage());
                if (requestId.equals(line.path("requestId").asText())) {
                    found.set(line);
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }
}
