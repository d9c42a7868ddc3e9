package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.AsymmetricSteps.DECRYPT_RSA;
import static org.opencmk.kms.server.support.AsymmetricSteps.DECRYPT_SM2;
import static org.opencmk.kms.server.support.AsymmetricSteps.SIGN_ECC;
import static org.opencmk.kms.server.support.AsymmetricSteps.SIGN_RSA;
import static org.opencmk.kms.server.support.AsymmetricSteps.SIGN_SM2;
import static org.opencmk.kms.server.support.AsymmetricSteps.b64;
import static org.opencmk.kms.server.support.AsymmetricSteps.body;
import static org.opencmk.kms.server.support.AsymmetricSteps.error;
import static org.opencmk.kms.server.support.AsymmetricSteps.errorMessage;
import static org.opencmk.kms.server.support.AsymmetricSteps.flipped;
import static org.opencmk.kms.server.support.AsymmetricSteps.ok;
import static org.opencmk.kms.server.support.AsymmetricSteps.unb64;
import static org.opencmk.kms.server.support.Sdk.assertError;

import com.fasterxml.jackson.databind.JsonNode;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.AlgorithmInfo;
import com.tencentcloudapi.kms.v20190118.models.AsymmetricRsaDecryptRequest;
import com.tencentcloudapi.kms.v20190118.models.AsymmetricSm2DecryptRequest;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyResponse;
import com.tencentcloudapi.kms.v20190118.models.DecryptRequest;
import com.tencentcloudapi.kms.v20190118.models.DescribeKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DisableKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.EnableKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.EncryptRequest;
import com.tencentcloudapi.kms.v20190118.models.GenerateDataKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.GenerateDataKeyResponse;
import com.tencentcloudapi.kms.v20190118.models.GetPublicKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.GetPublicKeyResponse;
import com.tencentcloudapi.kms.v20190118.models.KeyMetadata;
import com.tencentcloudapi.kms.v20190118.models.ListAlgorithmsRequest;
import com.tencentcloudapi.kms.v20190118.models.ListAlgorithmsResponse;
import com.tencentcloudapi.kms.v20190118.models.ListKeyDetailRequest;
import com.tencentcloudapi.kms.v20190118.models.SignByAsymmetricKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.SignByAsymmetricKeyResponse;
import com.tencentcloudapi.kms.v20190118.models.VerifyByAsymmetricKeyRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.AsymmetricSteps;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.LogCapture;
import org.opencmk.kms.server.support.ProtectionLevels;
import org.opencmk.kms.server.support.Openssl;
import org.opencmk.kms.server.support.RawClient;
import org.opencmk.kms.server.support.SharedKmsServer;

/**
 * Asymmetric CMKs through the official SDK (seed 004 "非对称加解密", "签名验签"; CTyun guide 3.4),
 * checked the way their users check them: with the openssl commands of the seeds' guides. The
 * five KeyUsages, what each key may and may not do, GetPublicKey, SignByAsymmetricKey and
 * VerifyByAsymmetricKey (RAW and DIGEST), AsymmetricRsaDecrypt and AsymmetricSm2Decrypt, a
 * plaintext returned under the caller's own public key (EncryptionPublicKey on Decrypt and
 * GenerateDataKey), and audit lines that name the version and never a secret. Key versions are
 * in {@link AsymmetricVersionsIT}; the version limit, deletion and restarts in
 * {@link AsymmetricVersionLimitIT}.
 *
 * <p>The tests share one account and its keys (key-pair generation is what takes time here) and
 * change none of them, except where a test makes its own.
 */
class AsymmetricKeysIT {

    private static final String RSA_PSS_VERIFY = "openssl dgst -sha256 -verify public_key.pem -sigopt "
            + "rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 -signature ./signContent.bin ./test_verify.txt";
    private static final String RSA_PKCS1_VERIFY =
            "openssl dgst -verify public_key.pem -sha256 -signature ./signContent.bin ./test_verify.txt";
    private static final String ECDSA_VERIFY =
            "openssl dgst -verify public_key.pem -sha256 -signature ./signContent.bin ./test_verify.txt";
    private static final String SM2_VERIFY =
            "openssl dgst -sm3 -verify public_key.pem -sigopt distid:1234567812345678 -signature ./signContent.bin ./test_verify.txt";
    private static final byte[] TO_SIGN = "contract #4711: pay 100 yuan\n".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();

    private static KmsServer server;
    private static KmsClient kms;
    private static RawClient raw;
    private static String rsaDecrypt;
    private static String sm2Decrypt;
    private static String rsaSign;
    private static String sm2Sign;
    private static String eccSign;
    private static String symmetric;

    /** A signature algorithm, the key that signs with it, and the seeds' openssl command that verifies it. */
    private record SignCase(String keyId, String algorithm, String opensslVerify) {
    }

    @BeforeAll
    static void keys() throws Exception {
        server = SharedKmsServer.get();
        Accounts account = Accounts.create(server, "asymmetric");
        kms = account.sdk();
        raw = account.raw();
        rsaDecrypt = AsymmetricSteps.createKey(kms, DECRYPT_RSA);
        sm2Decrypt = AsymmetricSteps.createKey(kms, DECRYPT_SM2);
        rsaSign = AsymmetricSteps.createKey(kms, SIGN_RSA);
        sm2Sign = AsymmetricSteps.createKey(kms, SIGN_SM2);
        eccSign = AsymmetricSteps.createKey(kms, SIGN_ECC, "ecc-signer");
        symmetric = kms.CreateKey(ProtectionLevels.atCurrentLevel(new CreateKeyRequest())).getKeyId();
    }

    private static List<SignCase> signCases() {
        return List.of(new SignCase(rsaSign, "RSA_PSS_SHA_256", RSA_PSS_VERIFY),
                new SignCase(rsaSign, "RSA_PKCS1_SHA_256", RSA_PKCS1_VERIFY),
                new SignCase(eccSign, "ECC_P256_R1", ECDSA_VERIFY),
                new SignCase(sm2Sign, "SM2DSA", SM2_VERIFY));
    }

    private static List<String> asymmetricKeys() {
        return List.of(rsaDecrypt, sm2Decrypt, rsaSign, sm2Sign, eccSign);
    }

    // ---- 1. the five KeyUsages, and what each key refuses ----

    @Test
    void theFiveAsymmetricKeyUsagesAreCreatedDescribedAndListed() throws Exception {
        Accounts own = Accounts.create(server, "asymmetric-listing");
        Map<String, String> specs = Map.of(DECRYPT_RSA, "RSA_2048", DECRYPT_SM2, "SM2", SIGN_RSA, "RSA_2048",
                SIGN_SM2, "SM2", SIGN_ECC, "ECC_P256");
        Map<String, String> keyOf = new java.util.HashMap<>();
        for (String usage : specs.keySet()) {
            CreateKeyRequest create = new CreateKeyRequest();
            create.setKeyUsage(usage);
            create.setDescription("a " + usage + " key");
            CreateKeyResponse created = own.sdk().CreateKey(usage.endsWith("SM2") ? create
                    : ProtectionLevels.atCurrentLevel(create));
            assertThat(created.getKeyUsage()).isEqualTo(usage);
            assertThat(created.getKeyState()).isEqualTo("Enabled");
            keyOf.put(usage, created.getKeyId());
        }
        String symmetricKey = own.sdk().CreateKey(ProtectionLevels.atCurrentLevel(new CreateKeyRequest())).getKeyId();

        for (var entry : keyOf.entrySet()) {
            DescribeKeyRequest describe = new DescribeKeyRequest();
            describe.setKeyId(entry.getValue());
            KeyMetadata metadata = own.sdk().DescribeKey(describe).getKeyMetadata();
            assertThat(metadata.getKeyUsage()).isEqualTo(entry.getKey());
            assertThat(metadata.getKeyState()).isEqualTo("Enabled");
            assertThat(metadata.getOrigin()).isEqualTo("TENCENT_KMS");
            assertThat(metadata.getDescription()).isEqualTo("a " + entry.getKey() + " key");
            assertThat(metadata.getKeyRotationEnabled()).isFalse();
            assertThat(metadata.getType()).as("Tencent's Type: 4 for the Chinese standard, 2 for FIPS")
                    .isEqualTo(entry.getKey().endsWith("SM2") ? 4L : 2L);
            JsonNode extended = ok(own.raw(), "DescribeKey", body("KeyId", entry.getValue())).path("KeyMetadata");
            assertThat(extended.path("KeySpec").asText()).isEqualTo(specs.get(entry.getKey()));
            assertThat(extended.has("PrimaryKeyVersionId")).as("an asymmetric key has no primary version").isFalse();

            ListKeyDetailRequest byUsage = new ListKeyDetailRequest();
            byUsage.setKeyUsage(entry.getKey());
            var listed = own.sdk().ListKeyDetail(byUsage);
            assertThat(listed.getTotalCount()).as(entry.getKey()).isEqualTo(1L);
            assertThat(listed.getKeyMetadatas()[0].getKeyId()).isEqualTo(entry.getValue());
            assertThat(listed.getKeyMetadatas()[0].getKeyUsage()).isEqualTo(entry.getKey());
        }
        ListKeyDetailRequest all = new ListKeyDetailRequest();
        all.setKeyUsage("ALL");
        assertThat(Arrays.stream(own.sdk().ListKeyDetail(all).getKeyMetadatas()).map(KeyMetadata::getKeyId))
                .containsExactlyInAnyOrderElementsOf(concat(keyOf.values(), symmetricKey));
        assertThat(Arrays.stream(own.sdk().ListKeyDetail(new ListKeyDetailRequest()).getKeyMetadatas())
                .map(KeyMetadata::getKeyId)).as("ENCRYPT_DECRYPT only, by default, as Tencent").containsExactly(symmetricKey);

        ListAlgorithmsResponse algorithms = own.sdk().ListAlgorithms(new ListAlgorithmsRequest());
        assertThat(pairs(algorithms.getSymmetricAlgorithms()))
                .containsExactlyInAnyOrder("ENCRYPT_DECRYPT/AES_256", "ENCRYPT_DECRYPT/SM4");
        assertThat(pairs(algorithms.getAsymmetricAlgorithms()))
                .containsExactlyInAnyOrder(DECRYPT_RSA + "/RSA_2048", DECRYPT_SM2 + "/SM2");
        assertThat(pairs(algorithms.getAsymmetricSignVerifyAlgorithms()))
                .containsExactlyInAnyOrder(SIGN_RSA + "/RSA_2048", SIGN_SM2 + "/SM2", SIGN_ECC + "/ECC_P256");

        // what CreateKey refuses for an asymmetric KeyUsage
        assertThat(errorMessage(own.raw(), "CreateKey", body("KeyUsage", SIGN_ECC, "Type", 2),
                "UnsupportedOperation")).contains("asymmetric");
        assertThat(errorMessage(own.raw(), "CreateKey", body("KeyUsage", SIGN_ECC, "KeySpec", "RSA_2048"),
                "InvalidParameterValue")).contains("ECC_P256");
        assertThat(error(own.raw(), "CreateKey", body("KeyUsage", "ASYMMETRIC_SIGN_VERIFY_RSA_4096")))
                .isEqualTo("InvalidParameterValue.InvalidKeyUsage");
        assertThat(own.sdk().ListKeyDetail(all).getTotalCount()).as("nothing was created").isEqualTo(6L);
    }

    @Test
    void symmetricOnlyActionsRefuseAsymmetricKeysAndChangeNothing() throws Exception {
        String blob = encrypt(symmetric, "moved nowhere");
        for (String keyId : asymmetricKeys()) {
            String usage = describe(keyId).getKeyUsage();
            String before = publicKey(keyId).getPublicKey();

            assertThat(errorMessage(raw, "Encrypt", body("KeyId", keyId, "Plaintext", b64(TO_SIGN)),
                    "InvalidParameterValue.InvalidKeyUsage")).contains(usage).contains("ENCRYPT_DECRYPT");
            assertThat(errorMessage(raw, "GenerateDataKey", body("KeyId", keyId, "KeySpec", "AES_256"),
                    "InvalidParameterValue.InvalidKeyUsage")).contains(usage);
            assertThat(error(raw, "GenerateDataKeyWithoutPlaintext", body("KeyId", keyId, "NumberOfBytes", 32)))
                    .isEqualTo("InvalidParameterValue.InvalidKeyUsage");
            assertThat(error(raw, "ReEncrypt", body("CiphertextBlob", blob, "DestinationKeyId", keyId)))
                    .as("ReEncrypt to an asymmetric destination").isEqualTo("InvalidParameterValue.InvalidKeyUsage");
            assertThat(errorMessage(raw, "RotateKey", body("KeyId", keyId), "InvalidParameterValue.InvalidKeyUsage"))
                    .contains("CreateKeyVersion");
            assertThat(error(raw, "EnableKeyRotation", body("KeyId", keyId, "RotateDays", 30)))
                    .isEqualTo("InvalidParameterValue.InvalidKeyUsage");
            // the EXTERNAL-only check comes first: the key pair was made by the KMS
            assertThat(error(raw, "GetParametersForImport", body("KeyId", keyId,
                    "WrappingAlgorithm", "RSAES_OAEP_SHA_256", "WrappingKeySpec", "RSA_2048")))
                    .isEqualTo("UnsupportedOperation.NotExternalCmk");

            KeyMetadata after = describe(keyId);
            assertThat(after.getKeyState()).isEqualTo("Enabled");
            assertThat(after.getKeyRotationEnabled()).isFalse();
            assertThat(after.getLastRotateTime()).isZero();
            assertThat(ok(raw, "ListKeyVersions", body("KeyId", keyId)).path("TotalCount").asInt())
                    .as("still one version").isEqualTo(1);
            assertThat(publicKey(keyId).getPublicKey()).as("the same key pair").isEqualTo(before);
        }
        assertThat(decrypt(blob)).as("the source ciphertext is untouched").isEqualTo("moved nowhere");
    }

    @Test
    void asymmetricActionsRefuseKeysOfAnotherUsageAndChangeNothing() throws Exception {
        String sm2Ciphertext = b64(AsymmetricSteps.sm2Encrypt(publicKeyDer(sm2Decrypt), TO_SIGN));
        String rsaCiphertext = b64(AsymmetricSteps.rsaOaepSha256Encrypt(publicKeyDer(rsaDecrypt), TO_SIGN));
        String signature = sign(eccSign, "ECC_P256_R1", "RAW", TO_SIGN).getSignature();

        // an ENCRYPT_DECRYPT key has no key pair
        assertThat(errorMessage(raw, "GetPublicKey", body("KeyId", symmetric), "InvalidParameterValue.InvalidKeyUsage"))
                .contains("ENCRYPT_DECRYPT").contains("only asymmetric keys have a public key");
        assertThat(errorMessage(raw, "SignByAsymmetricKey", signBody(symmetric, "ECC_P256_R1"),
                "InvalidParameterValue.InvalidKeyUsage")).contains("ENCRYPT_DECRYPT").contains("ASYMMETRIC_SIGN_VERIFY_");
        assertThat(error(raw, "VerifyByAsymmetricKey", verifyBody(symmetric, "ECC_P256_R1", signature)))
                .isEqualTo("InvalidParameterValue.InvalidKeyUsage");
        assertThat(errorMessage(raw, "AsymmetricRsaDecrypt", rsaDecryptBody(symmetric, rsaCiphertext, "RSAES_OAEP_SHA_256"),
                "InvalidParameterValue.InvalidKeyUsage")).contains("ASYMMETRIC_DECRYPT_");
        assertThat(error(raw, "AsymmetricSm2Decrypt", body("KeyId", symmetric, "Ciphertext", sm2Ciphertext)))
                .isEqualTo("InvalidParameterValue.InvalidKeyUsage");

        // decrypt keys do not sign, sign keys do not decrypt
        for (String decryptKey : List.of(rsaDecrypt, sm2Decrypt)) {
            String usage = describe(decryptKey).getKeyUsage();
            String algorithm = decryptKey.equals(rsaDecrypt) ? "RSA_PSS_SHA_256" : "SM2DSA";
            assertThat(errorMessage(raw, "SignByAsymmetricKey", signBody(decryptKey, algorithm),
                    "InvalidParameterValue.InvalidKeyUsage")).contains(usage).contains("sign");
            assertThat(error(raw, "VerifyByAsymmetricKey", verifyBody(decryptKey, algorithm, signature)))
                    .isEqualTo("InvalidParameterValue.InvalidKeyUsage");
        }
        for (String signKey : List.of(rsaSign, sm2Sign, eccSign)) {
            assertThat(errorMessage(raw, "AsymmetricRsaDecrypt", rsaDecryptBody(signKey, rsaCiphertext, "RSAES_OAEP_SHA_256"),
                    "InvalidParameterValue.InvalidKeyUsage")).contains(describe(signKey).getKeyUsage()).contains("decrypt");
            assertThat(error(raw, "AsymmetricSm2Decrypt", body("KeyId", signKey, "Ciphertext", sm2Ciphertext)))
                    .isEqualTo("InvalidParameterValue.InvalidKeyUsage");
        }

        // a decrypt key of the other algorithm: the usage fits, the algorithm does not
        assertThat(errorMessage(raw, "AsymmetricRsaDecrypt", rsaDecryptBody(sm2Decrypt, sm2Ciphertext, "RSAES_OAEP_SHA_256"),
                "InvalidParameterValue.InvalidAlgorithm")).contains("RSAES_OAEP_SHA_256").contains("SM2");
        assertThat(errorMessage(raw, "AsymmetricSm2Decrypt", body("KeyId", rsaDecrypt, "Ciphertext", rsaCiphertext),
                "InvalidParameterValue.InvalidAlgorithm")).contains("RSA_2048");

        // and nothing changed: every key still does what it is for
        assertThat(encrypt(symmetric, "still symmetric")).isNotBlank();
        assertThat(unb64(rsaDecrypt(rsaDecrypt, rsaCiphertext, "RSAES_OAEP_SHA_256"))).isEqualTo(TO_SIGN);
        assertThat(unb64(sm2DecryptSdk(sm2Decrypt, sm2Ciphertext))).isEqualTo(TO_SIGN);
        assertThat(verify(eccSign, "ECC_P256_R1", "RAW", TO_SIGN, signature)).isTrue();
        for (String keyId : concat(asymmetricKeys(), symmetric)) {
            assertThat(ok(raw, "ListKeyVersions", body("KeyId", keyId)).path("TotalCount").asInt()).isEqualTo(1);
        }
    }

    @Test
    void aDisabledKeyRefusesEveryAsymmetricCallUntilEnabled() throws Exception {
        String signer = AsymmetricSteps.createKey(kms, SIGN_ECC);
        String decrypter = AsymmetricSteps.createKey(kms, DECRYPT_SM2);
        String signature = sign(signer, "ECC_P256_R1", "RAW", TO_SIGN).getSignature();
        String ciphertext = b64(AsymmetricSteps.sm2Encrypt(publicKeyDer(decrypter), TO_SIGN));
        for (String keyId : List.of(signer, decrypter)) {
            DisableKeyRequest disable = new DisableKeyRequest();
            disable.setKeyId(keyId);
            kms.DisableKey(disable);
        }

        for (String keyId : List.of(signer, decrypter)) {
            assertThat(error(raw, "GetPublicKey", body("KeyId", keyId))).isEqualTo("ResourceUnavailable.CmkDisabled");
        }
        assertThat(error(raw, "SignByAsymmetricKey", signBody(signer, "ECC_P256_R1"))).isEqualTo("ResourceUnavailable.CmkDisabled");
        assertThat(error(raw, "VerifyByAsymmetricKey", verifyBody(signer, "ECC_P256_R1", signature)))
                .isEqualTo("ResourceUnavailable.CmkDisabled");
        assertThat(error(raw, "AsymmetricSm2Decrypt", body("KeyId", decrypter, "Ciphertext", ciphertext)))
                .isEqualTo("ResourceUnavailable.CmkDisabled");

        for (String keyId : List.of(signer, decrypter)) {
            EnableKeyRequest enable = new EnableKeyRequest();
            enable.setKeyId(keyId);
            kms.EnableKey(enable);
        }
        assertThat(verify(signer, "ECC_P256_R1", "RAW", TO_SIGN, signature)).isTrue();
        assertThat(unb64(sm2DecryptSdk(decrypter, ciphertext))).isEqualTo(TO_SIGN);
    }

    // ---- 2. GetPublicKey ----

    @Test
    void publicKeysAreDerAndPemThatOpensslReads(@TempDir Path dir) throws Exception {
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(dir);
        Map<String, String> describedAs = Map.of(rsaDecrypt, "Public-Key: (2048 bit)", rsaSign, "Public-Key: (2048 bit)",
                sm2Decrypt, "ASN1 OID: SM2", sm2Sign, "ASN1 OID: SM2", eccSign, "ASN1 OID: prime256v1");
        for (String keyId : asymmetricKeys()) {
            GetPublicKeyResponse answer = publicKey(keyId);
            assertThat(answer.getKeyId()).isEqualTo(keyId);
            byte[] der = unb64(answer.getPublicKey());
            String pem = answer.getPublicKeyPem();
            assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
            assertThat(java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "")))
                    .as("the PEM holds the same DER").isEqualTo(der);
            Files.writeString(dir.resolve("pub.pem"), pem);
            Files.write(dir.resolve("pub.der"), der);

            openssl.run("openssl pkey -pubin -in pub.pem -noout");
            openssl.run("openssl pkey -pubin -inform DER -in pub.der -noout");
            openssl.run("openssl pkey -pubin -in pub.pem -noout -text");
            assertThat(openssl.output()).as(describe(keyId).getKeyUsage()).contains(describedAs.get(keyId));
            openssl.run("openssl pkey -pubin -inform DER -in pub.der -outform PEM -out again.pem");
            assertThat(Files.readString(dir.resolve("again.pem"))).as("openssl writes the same PEM").isEqualTo(pem);

            JsonNode extended = ok(raw, "GetPublicKey", body("KeyId", keyId));
            JsonNode versions = ok(raw, "ListKeyVersions", body("KeyId", keyId)).path("KeyVersions");
            assertThat(extended.path("KeyVersionId").asText()).as("the version it is of")
                    .isEqualTo(versions.get(0).path("KeyVersionId").asText());
        }
        assertThat(publicKey("ecc-signer").getKeyId()).as("by alias").isEqualTo(eccSign);
    }

    // ---- 3. signatures ----

    @Test
    void rawSignaturesVerifyWithTheSeedsOpensslCommandsAndWithTheKms(@TempDir Path dir) throws Exception {
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(dir);
        Files.write(dir.resolve("test_verify.txt"), TO_SIGN);
        for (SignCase c : signCases()) {
            byte[] publicKey = publicKeyDer(c.keyId());
            Files.writeString(dir.resolve("public_key.pem"), publicKey(c.keyId()).getPublicKeyPem());
            SignByAsymmetricKeyResponse signed = sign(c.keyId(), c.algorithm(), "RAW", TO_SIGN);
            assertThat(signed.getSignature()).isNotBlank();
            Files.write(dir.resolve("signContent.bin"), unb64(signed.getSignature()));

            openssl.run(c.opensslVerify());
            assertThat(openssl.output()).as(c.algorithm()).contains("Verified OK");

            assertThat(verify(c.keyId(), c.algorithm(), "RAW", TO_SIGN, signed.getSignature())).as(c.algorithm()).isTrue();
            byte[] digest = c.algorithm().equals("SM2DSA") ? AsymmetricSteps.sm2Digest(publicKey, TO_SIGN) : sha256(TO_SIGN);
            assertThat(verify(c.keyId(), c.algorithm(), "DIGEST", digest, signed.getSignature()))
                    .as("%s: a RAW signature is one of the message's digest", c.algorithm()).isTrue();
            // a changed message or signature is an answer, not an error
            assertThat(verify(c.keyId(), c.algorithm(), "RAW", flipped(TO_SIGN, 3), signed.getSignature())).isFalse();
            byte[] signature = unb64(signed.getSignature());
            assertThat(verify(c.keyId(), c.algorithm(), "RAW", TO_SIGN, b64(flipped(signature, signature.length - 1))))
                    .isFalse();
            assertThat(verify(c.keyId(), c.algorithm(), "RAW", TO_SIGN, b64(Arrays.copyOf(signature, 20)))).isFalse();
            assertThat(verify(c.keyId(), c.algorithm(), "RAW", TO_SIGN, b64(new byte[] {1, 2, 3}))).isFalse();
            Files.write(dir.resolve("test_verify.txt"), flipped(TO_SIGN, 3));
            assertThat(openssl.exitValue(c.opensslVerify())).as("openssl refuses it for another message too").isNotZero();
            Files.write(dir.resolve("test_verify.txt"), TO_SIGN);
        }
        // signed and verified by alias; MessageType RAW when none is given
        SignByAsymmetricKeyRequest byAlias = new SignByAsymmetricKeyRequest();
        byAlias.setKeyId("ecc-signer");
        byAlias.setAlgorithm("ECC_P256_R1");
        byAlias.setMessage(b64(TO_SIGN));
        SignByAsymmetricKeyResponse untyped = kms.SignByAsymmetricKey(byAlias);
        assertThat(verify("ecc-signer", "ECC_P256_R1", "RAW", TO_SIGN, untyped.getSignature())).isTrue();
        assertThat(verify(eccSign, "ECC_P256_R1", null, TO_SIGN, untyped.getSignature())).isTrue();
    }

    @Test
    void aRawMessageHasOneTo4096BytesAndADigestExactly32(@TempDir Path dir) throws Exception {
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(dir);
        byte[] longest = new byte[4096];
        RANDOM.nextBytes(longest);
        Files.write(dir.resolve("test_verify.txt"), longest);
        for (SignCase c : signCases()) {
            Files.writeString(dir.resolve("public_key.pem"), publicKey(c.keyId()).getPublicKeyPem());
            String signature = sign(c.keyId(), c.algorithm(), "RAW", longest).getSignature();
            Files.write(dir.resolve("signContent.bin"), unb64(signature));
            openssl.run(c.opensslVerify());
            assertThat(verify(c.keyId(), c.algorithm(), "RAW", longest, signature)).isTrue();

            byte[] tooLong = Arrays.copyOf(longest, 4097);
            assertThat(errorMessage(raw, "SignByAsymmetricKey", signBody(c.keyId(), c.algorithm(), "RAW", tooLong),
                    "InvalidParameterValue")).contains("4096");
            assertThat(error(raw, "VerifyByAsymmetricKey", verifyBody(c.keyId(), c.algorithm(), "RAW", tooLong, signature)))
                    .isEqualTo("InvalidParameterValue");
            assertThat(error(raw, "SignByAsymmetricKey", body("KeyId", c.keyId(), "Algorithm", c.algorithm(),
                    "MessageType", "RAW", "Message", ""))).as("an empty Message").isEqualTo("MissingParameter");
            assertThat(error(raw, "SignByAsymmetricKey", body("KeyId", c.keyId(), "Algorithm", c.algorithm(),
                    "MessageType", "RAW"))).as("no Message").isEqualTo("MissingParameter");
            for (int length : new int[] {31, 33, 1, 64}) {
                byte[] digest = new byte[length];
                RANDOM.nextBytes(digest);
                assertThat(errorMessage(raw, "SignByAsymmetricKey", signBody(c.keyId(), c.algorithm(), "DIGEST", digest),
                        "InvalidParameterValue")).as("a %d-byte DIGEST", length).contains("32");
                assertThat(error(raw, "VerifyByAsymmetricKey", verifyBody(c.keyId(), c.algorithm(), "DIGEST", digest,
                        signature))).isEqualTo("InvalidParameterValue");
            }
            assertThat(error(raw, "SignByAsymmetricKey", signBody(c.keyId(), c.algorithm(), "HEX", TO_SIGN)))
                    .as("an unknown MessageType").isEqualTo("InvalidParameterValue");
            assertThat(error(raw, "SignByAsymmetricKey", body("KeyId", c.keyId(), "Algorithm", c.algorithm(),
                    "Message", "not base64!"))).isEqualTo("InvalidParameterValue");
        }
    }

    @Test
    void digestSignaturesVerifyWithOpensslOverTheOriginalFile(@TempDir Path dir) throws Exception {
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(dir);
        Files.write(dir.resolve("test_verify.txt"), TO_SIGN);
        openssl.run("openssl dgst -sha256 -binary -out digest.bin test_verify.txt");
        byte[] sha256 = Files.readAllBytes(dir.resolve("digest.bin"));
        assertThat(sha256).isEqualTo(sha256(TO_SIGN));
        for (SignCase c : signCases()) {
            byte[] publicKey = publicKeyDer(c.keyId());
            Files.writeString(dir.resolve("public_key.pem"), publicKey(c.keyId()).getPublicKeyPem());
            // SM2DSA signs e = SM3(Z || M), which the signer computes with its public key
            byte[] digest = c.algorithm().equals("SM2DSA") ? AsymmetricSteps.sm2Digest(publicKey, TO_SIGN) : sha256;
            String signature = sign(c.keyId(), c.algorithm(), "DIGEST", digest).getSignature();
            Files.write(dir.resolve("signContent.bin"), unb64(signature));

            openssl.run(c.opensslVerify());

            assertThat(verify(c.keyId(), c.algorithm(), "DIGEST", digest, signature)).as(c.algorithm()).isTrue();
            assertThat(verify(c.keyId(), c.algorithm(), "RAW", TO_SIGN, signature))
                    .as("%s: the digest's signature is the message's", c.algorithm()).isTrue();
            assertThat(verify(c.keyId(), c.algorithm(), "DIGEST", flipped(digest, 0), signature)).isFalse();
        }
    }

    @Test
    void anAlgorithmThatDoesNotFitTheKeyIsRefused() throws Exception {
        Map<String, List<String>> unfit = Map.of(
                rsaSign, List.of("ECC_P256_R1", "SM2DSA"),
                eccSign, List.of("RSA_PSS_SHA_256", "RSA_PKCS1_SHA_256", "SM2DSA"),
                sm2Sign, List.of("RSA_PSS_SHA_256", "RSA_PKCS1_SHA_256", "ECC_P256_R1"));
        for (var entry : unfit.entrySet()) {
            String keyId = entry.getKey();
            for (String algorithm : entry.getValue()) {
                assertThat(errorMessage(raw, "SignByAsymmetricKey", signBody(keyId, algorithm),
                        "InvalidParameterValue.InvalidAlgorithm")).contains(algorithm).contains("spec");
                assertThat(error(raw, "VerifyByAsymmetricKey", verifyBody(keyId, algorithm, b64(new byte[64]))))
                        .isEqualTo("InvalidParameterValue.InvalidAlgorithm");
            }
            assertThat(errorMessage(raw, "SignByAsymmetricKey", signBody(keyId, "RSA_PSS_SHA_512"),
                    "InvalidParameterValue.InvalidAlgorithm")).contains("RSA_PSS_SHA_512");
            assertThat(error(raw, "SignByAsymmetricKey", body("KeyId", keyId, "Message", b64(TO_SIGN),
                    "MessageType", "RAW"))).as("no Algorithm").isEqualTo("MissingParameter");
        }
    }

    // ---- 4. decryption with the private key ----

    @Test
    void asymmetricRsaDecryptOpensWhatOpensslEncryptedWithOaep(@TempDir Path dir) throws Exception {
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(dir);
        byte[] secret = "a secret for the RSA key pair only".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("test_rsa.txt"), secret);
        GetPublicKeyResponse publicKey = publicKey(rsaDecrypt);
        Files.write(dir.resolve("public_key.bin"), unb64(publicKey.getPublicKey()));
        Files.writeString(dir.resolve("pub.pem"), publicKey.getPublicKeyPem());

        openssl.run("openssl pkeyutl -in test_rsa.txt -out encrypted.bin -inkey public_key.bin -keyform DER -pubin "
                + "-encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256");
        String sha256 = b64(Files.readAllBytes(dir.resolve("encrypted.bin")));
        openssl.run("openssl pkeyutl -in test_rsa.txt -out encrypted_sha1.bin -inkey public_key.bin -keyform DER -pubin "
                + "-encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1");
        String sha1 = b64(Files.readAllBytes(dir.resolve("encrypted_sha1.bin")));
        openssl.run("openssl pkeyutl -in test_rsa.txt -out pkcs1.bin -inkey public_key.bin -keyform DER -pubin "
                + "-encrypt -pkeyopt rsa_padding_mode:pkcs1");
        String pkcs1 = b64(Files.readAllBytes(dir.resolve("pkcs1.bin")));

        AsymmetricRsaDecryptRequest decrypt = new AsymmetricRsaDecryptRequest();
        decrypt.setKeyId(rsaDecrypt);
        decrypt.setCiphertext(sha256);
        decrypt.setAlgorithm("RSAES_OAEP_SHA_256");
        var opened = kms.AsymmetricRsaDecrypt(decrypt);
        assertThat(opened.getKeyId()).isEqualTo(rsaDecrypt);
        assertThat(unb64(opened.getPlaintext())).isEqualTo(secret);
        assertThat(unb64(rsaDecrypt(rsaDecrypt, sha1, "RSAES_OAEP_SHA_1"))).isEqualTo(secret);
        if (openssl.exitValue("openssl rsautl -encrypt -oaep -pubin -inkey pub.pem -in test_rsa.txt -out rsautl.bin") == 0) {
            assertThat(unb64(rsaDecrypt(rsaDecrypt, b64(Files.readAllBytes(dir.resolve("rsautl.bin"))), "RSAES_OAEP_SHA_1")))
                    .as("openssl rsautl -oaep is OAEP with SHA-1").isEqualTo(secret);
        }

        // PKCS#1 v1.5 is refused on purpose, whatever the ciphertext
        assertThat(errorMessage(raw, "AsymmetricRsaDecrypt", rsaDecryptBody(rsaDecrypt, pkcs1, "RSAES_PKCS1_V1_5"),
                "InvalidParameterValue.InvalidAlgorithm")).contains("RSAES_OAEP_SHA_256");
        assertThat(error(raw, "AsymmetricRsaDecrypt", rsaDecryptBody(rsaDecrypt, sha256, "RSAES_PKCS1_V1_5")))
                .isEqualTo("InvalidParameterValue.InvalidAlgorithm");
        assertThat(error(raw, "AsymmetricRsaDecrypt", rsaDecryptBody(rsaDecrypt, sha256, "RSAES_OAEP_SHA_512")))
                .isEqualTo("InvalidParameterValue.InvalidAlgorithm");
        assertThat(error(raw, "AsymmetricRsaDecrypt", body("KeyId", rsaDecrypt, "Ciphertext", sha256)))
                .as("no Algorithm").isEqualTo("MissingParameter");

        // the wrong OAEP hash, a changed or cut ciphertext: one and the same answer, nothing about the bytes
        String expected = errorMessage(raw, "AsymmetricRsaDecrypt", rsaDecryptBody(rsaDecrypt, sha256, "RSAES_OAEP_SHA_1"),
                "FailedOperation.DecryptError");
        byte[] ciphertext = unb64(sha256);
        for (String failing : List.of(
                b64(Files.readAllBytes(dir.resolve("encrypted_sha1.bin"))) + "|RSAES_OAEP_SHA_256",
                pkcs1 + "|RSAES_OAEP_SHA_256",
                b64(flipped(ciphertext, 100)) + "|RSAES_OAEP_SHA_256",
                b64(Arrays.copyOf(ciphertext, 255)) + "|RSAES_OAEP_SHA_256",
                b64(Arrays.copyOf(ciphertext, 257)) + "|RSAES_OAEP_SHA_256",
                b64(new byte[256]) + "|RSAES_OAEP_SHA_256")) {
            String[] parts = failing.split("\\|");
            assertThat(errorMessage(raw, "AsymmetricRsaDecrypt", rsaDecryptBody(rsaDecrypt, parts[0], parts[1]),
                    "FailedOperation.DecryptError")).isEqualTo(expected);
        }
        assertThat(expected).doesNotContainIgnoringCase("padding");
        assertThat(error(raw, "AsymmetricRsaDecrypt", rsaDecryptBody(rsaDecrypt, "not base64!", "RSAES_OAEP_SHA_256")))
                .isEqualTo("InvalidParameterValue.InvalidCiphertext");
        assertThat(error(raw, "AsymmetricRsaDecrypt", body("KeyId", rsaDecrypt, "Algorithm", "RSAES_OAEP_SHA_256")))
                .isEqualTo("MissingParameter");
    }

    @Test
    void asymmetricSm2DecryptOpensOpensslsDerFormAndTheRawForm(@TempDir Path dir) throws Exception {
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(dir);
        byte[] secret = "一个只给SM2密钥的秘密 (a secret for the SM2 key pair)".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("test_sm2.txt"), secret);
        Files.writeString(dir.resolve("sm2pub.pem"), publicKey(sm2Decrypt).getPublicKeyPem());
        Files.writeString(dir.resolve("other.pem"), publicKey(sm2Sign).getPublicKeyPem());

        openssl.run("openssl pkeyutl -encrypt -pubin -inkey sm2pub.pem -in test_sm2.txt -out sm2.der");
        byte[] der = Files.readAllBytes(dir.resolve("sm2.der"));
        assertThat(der[0]).as("openssl writes the DER form").isEqualTo((byte) 0x30);
        byte[] rawForm = AsymmetricSteps.sm2DerToRaw(der);

        AsymmetricSm2DecryptRequest decrypt = new AsymmetricSm2DecryptRequest();
        decrypt.setKeyId(sm2Decrypt);
        decrypt.setCiphertext(b64(der));
        var opened = kms.AsymmetricSm2Decrypt(decrypt);
        assertThat(opened.getKeyId()).isEqualTo(sm2Decrypt);
        assertThat(unb64(opened.getPlaintext())).isEqualTo(secret);
        assertThat(unb64(sm2DecryptSdk(sm2Decrypt, b64(rawForm)))).as("C1C3C2, raw").isEqualTo(secret);

        openssl.run("openssl pkeyutl -encrypt -pubin -inkey other.pem -in test_sm2.txt -out other.der");
        byte[] c1c2c3 = new byte[rawForm.length];
        System.arraycopy(rawForm, 0, c1c2c3, 0, 65);
        System.arraycopy(rawForm, 97, c1c2c3, 65, rawForm.length - 97);
        System.arraycopy(rawForm, 65, c1c2c3, rawForm.length - 32, 32);
        String expected = errorMessage(raw, "AsymmetricSm2Decrypt", body("KeyId", sm2Decrypt, "Ciphertext",
                b64(Files.readAllBytes(dir.resolve("other.der")))), "FailedOperation.DecryptError");
        for (byte[] failing : List.of(flipped(der, der.length - 1), flipped(rawForm, rawForm.length - 1),
                flipped(rawForm, 70), c1c2c3, Arrays.copyOf(rawForm, 97), new byte[] {0x30, 0x03, 0x02, 0x01, 0x01})) {
            assertThat(errorMessage(raw, "AsymmetricSm2Decrypt", body("KeyId", sm2Decrypt, "Ciphertext", b64(failing)),
                    "FailedOperation.DecryptError")).isEqualTo(expected);
        }
        assertThat(error(raw, "AsymmetricSm2Decrypt", body("KeyId", sm2Decrypt, "Ciphertext", "###")))
                .isEqualTo("InvalidParameterValue.InvalidCiphertext");
        assertThat(error(raw, "AsymmetricSm2Decrypt", body("KeyId", sm2Decrypt))).isEqualTo("MissingParameter");
    }

    // ---- 5. a plaintext returned under the caller's own public key ----

    @Test
    void decryptAndGenerateDataKeyAnswerUnderTheCallersPublicKey(@TempDir Path dir) throws Exception {
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(dir);
        openssl.run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa_priv.pem");
        openssl.run("openssl pkey -in rsa_priv.pem -pubout -out rsa_pub.pem");
        openssl.run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2 -out sm2_priv.pem");
        openssl.run("openssl pkey -in sm2_priv.pem -pubout -out sm2_pub.pem");
        String rsaPem = Files.readString(dir.resolve("rsa_pub.pem"));
        String sm2Pem = Files.readString(dir.resolve("sm2_pub.pem"));
        String plaintext = "only the caller's private key opens this";
        String blob = encrypt(symmetric, plaintext);

        // EncryptionAlgorithm, the caller's public key, and how openssl opens what the KMS answers
        String[][] cases = {
                {null, sm2Pem, "sm2_priv.pem", ""},
                {"SM2", sm2Pem, "sm2_priv.pem", ""},
                {"SM2_C1C3C2_ASN1", sm2Pem, "sm2_priv.pem", ""},
                {"RSAES_PKCS1_V1_5", rsaPem, "rsa_priv.pem", " -pkeyopt rsa_padding_mode:pkcs1"},
                {"RSAES_OAEP_SHA_1", rsaPem, "rsa_priv.pem", " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1"},
                {"RSAES_OAEP_SHA_256", rsaPem, "rsa_priv.pem", " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256"}};
        for (String[] c : cases) {
            String algorithm = c[0];
            DecryptRequest decrypt = new DecryptRequest();
            decrypt.setCiphertextBlob(blob);
            decrypt.setEncryptionPublicKey(c[1]);
            decrypt.setEncryptionAlgorithm(algorithm);
            var answer = kms.Decrypt(decrypt);
            assertThat(answer.getKeyId()).isEqualTo(symmetric);
            byte[] encrypted = unb64(answer.getPlaintext());
            assertThat(new String(encrypted, StandardCharsets.ISO_8859_1)).as("%s: not the plaintext", algorithm)
                    .doesNotContain(plaintext);

            byte[] opened = openWithOpenssl(openssl, dir, algorithm, encrypted, c[2], c[3]);
            assertThat(new String(opened, StandardCharsets.UTF_8)).as(String.valueOf(algorithm)).isEqualTo(plaintext);

            GenerateDataKeyRequest generate = new GenerateDataKeyRequest();
            generate.setKeyId(symmetric);
            generate.setKeySpec("AES_256");
            generate.setEncryptionPublicKey(c[1]);
            generate.setEncryptionAlgorithm(algorithm);
            GenerateDataKeyResponse dataKey = kms.GenerateDataKey(generate);
            byte[] dataKeyPlaintext = openWithOpenssl(openssl, dir, algorithm, unb64(dataKey.getPlaintext()), c[2], c[3]);
            assertThat(dataKeyPlaintext).hasSize(32);
            DecryptRequest back = new DecryptRequest();
            back.setCiphertextBlob(dataKey.getCiphertextBlob());
            assertThat(unb64(kms.Decrypt(back).getPlaintext())).as("%s: the data key the blob holds", algorithm)
                    .isEqualTo(dataKeyPlaintext);
        }

        // SM2 takes any data key length; RSA what fits in one block (OAEP-SHA-256: 190 bytes)
        GenerateDataKeyRequest longest = new GenerateDataKeyRequest();
        longest.setKeyId(symmetric);
        longest.setNumberOfBytes(1024L);
        longest.setEncryptionPublicKey(sm2Pem);
        GenerateDataKeyResponse sm2DataKey = kms.GenerateDataKey(longest);
        DecryptRequest back = new DecryptRequest();
        back.setCiphertextBlob(sm2DataKey.getCiphertextBlob());
        assertThat(openWithOpenssl(openssl, dir, "SM2", unb64(sm2DataKey.getPlaintext()), "sm2_priv.pem", ""))
                .hasSize(1024).isEqualTo(unb64(kms.Decrypt(back).getPlaintext()));
        longest.setEncryptionPublicKey(rsaPem);
        longest.setEncryptionAlgorithm("RSAES_OAEP_SHA_256");
        assertError("InvalidParameterValue", () -> kms.GenerateDataKey(longest));
        longest.setNumberOfBytes(191L);
        assertError("InvalidParameterValue", () -> kms.GenerateDataKey(longest));
        longest.setNumberOfBytes(190L);
        assertThat(openWithOpenssl(openssl, dir, "RSAES_OAEP_SHA_256", unb64(kms.GenerateDataKey(longest).getPlaintext()),
                "rsa_priv.pem", " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256")).hasSize(190);
    }

    @Test
    void aPublicKeyOrAlgorithmThatCannotCarryThePlaintextIsRefused() throws Exception {
        String blob = encrypt(symmetric, "never under a bad key");
        String rsaPem = publicKey(rsaDecrypt).getPublicKeyPem();
        String sm2Pem = publicKey(sm2Decrypt).getPublicKeyPem();
        String p256Pem = publicKey(eccSign).getPublicKeyPem();
        String rsaDer = publicKey(rsaDecrypt).getPublicKey();
        List<String[]> invalid = List.of(
                new String[] {"not a PEM at all", null},
                new String[] {"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", null},
                new String[] {rsaPem.replace("PUBLIC KEY", "RSA PUBLIC KEY"), "RSAES_OAEP_SHA_256"},
                new String[] {rsaPem.substring(0, 100) + "\n-----END PUBLIC KEY-----\n", "RSAES_OAEP_SHA_256"},
                new String[] {rsaDer, "RSAES_OAEP_SHA_256"},
                new String[] {p256Pem, null},
                new String[] {p256Pem, "SM2_C1C3C2_ASN1"},
                new String[] {p256Pem, "RSAES_OAEP_SHA_256"},
                new String[] {rsaPem, null},
                new String[] {rsaPem, "SM2"},
                new String[] {rsaPem, "SM2_C1C3C2_ASN1"},
                new String[] {sm2Pem, "RSAES_OAEP_SHA_1"},
                new String[] {sm2Pem, "RSAES_PKCS1_V1_5"});
        for (String[] c : invalid) {
            assertThat(error(raw, "Decrypt", body("CiphertextBlob", blob, "EncryptionPublicKey", c[0],
                    "EncryptionAlgorithm", c[1]))).as("Decrypt under %s / %s", c[0], c[1])
                    .isEqualTo("InvalidParameterValue.InvalidEncryptionPublicKey");
            assertThat(error(raw, "GenerateDataKey", body("KeyId", symmetric, "KeySpec", "AES_256",
                    "EncryptionPublicKey", c[0], "EncryptionAlgorithm", c[1]))).as("GenerateDataKey under %s / %s", c[0], c[1])
                    .isEqualTo("InvalidParameterValue.InvalidEncryptionPublicKey");
        }
        assertThat(errorMessage(raw, "Decrypt", body("CiphertextBlob", blob, "EncryptionPublicKey", rsaPem,
                "EncryptionAlgorithm", "SM2"), "InvalidParameterValue.InvalidEncryptionPublicKey"))
                .contains("SM2").contains("RSA_2048");

        assertThat(errorMessage(raw, "Decrypt", body("CiphertextBlob", blob, "EncryptionAlgorithm", "RSAES_OAEP_SHA_256"),
                "MissingParameter")).contains("EncryptionPublicKey");
        assertThat(error(raw, "GenerateDataKey", body("KeyId", symmetric, "KeySpec", "AES_256",
                "EncryptionAlgorithm", "SM2"))).isEqualTo("MissingParameter");
        assertThat(error(raw, "Decrypt", body("CiphertextBlob", blob, "EncryptionPublicKey", sm2Pem,
                "EncryptionAlgorithm", "ELGAMAL"))).as("an EncryptionAlgorithm no one knows")
                .isEqualTo("InvalidParameterValue.InvalidAlgorithm");

        assertThat(decrypt(blob)).isEqualTo("never under a bad key");
    }

    // ---- 8. audit ----

    @Test
    void auditLinesNameTheKeyAndVersionAndNeverTheSecrets() throws Exception {
        String message = "audited message 8f2c1e";
        String secret = "audited plaintext 77d0aa";
        String dataSecret = "audited data-key owner 5be3";
        try (LogCapture log = LogCapture.start()) {
            String eccVersion = ok(raw, "ListKeyVersions", body("KeyId", eccSign)).path("KeyVersions").get(0)
                    .path("KeyVersionId").asText();
            List<RawClient.Answer> calls = new ArrayList<>();
            calls.add(AsymmetricSteps.call(raw, "GetPublicKey", body("KeyId", "ecc-signer")));
            RawClient.Answer signed = AsymmetricSteps.call(raw, "SignByAsymmetricKey",
                    signBody("ecc-signer", "ECC_P256_R1", "RAW", message.getBytes(StandardCharsets.UTF_8)));
            calls.add(signed);
            calls.add(AsymmetricSteps.call(raw, "VerifyByAsymmetricKey", verifyBody(eccSign, "ECC_P256_R1", "RAW",
                    message.getBytes(StandardCharsets.UTF_8), signed.response().path("Signature").asText())));
            for (RawClient.Answer call : calls) {
                JsonNode line = log.auditLine(call.response().path("RequestId").asText());
                assertThat(line.path("outcome").asText()).isEqualTo("Success");
                assertThat(line.path("keyId").asText()).as(line.toString()).isEqualTo(eccSign);
                assertThat(line.path("keyVersionId").asText()).as(line.toString()).isEqualTo(eccVersion);
                assertThat(call.response().path("KeyVersionId").asText()).isEqualTo(eccVersion);
            }

            byte[] secretBytes = secret.getBytes(StandardCharsets.UTF_8);
            Map<String, RawClient.Answer> decrypts = Map.of(
                    rsaDecrypt, AsymmetricSteps.call(raw, "AsymmetricRsaDecrypt", rsaDecryptBody(rsaDecrypt,
                            b64(AsymmetricSteps.rsaOaepSha256Encrypt(publicKeyDer(rsaDecrypt), secretBytes)),
                            "RSAES_OAEP_SHA_256")),
                    sm2Decrypt, AsymmetricSteps.call(raw, "AsymmetricSm2Decrypt", body("KeyId", sm2Decrypt,
                            "Ciphertext", b64(AsymmetricSteps.sm2Encrypt(publicKeyDer(sm2Decrypt), secretBytes)))));
            for (var entry : decrypts.entrySet()) {
                assertThat(unb64(entry.getValue().response().path("Plaintext").asText())).isEqualTo(secretBytes);
                JsonNode line = log.auditLine(entry.getValue().response().path("RequestId").asText());
                assertThat(line.path("keyId").asText()).isEqualTo(entry.getKey());
                assertThat(line.path("keyVersionId").asText()).isNotBlank()
                        .isEqualTo(entry.getValue().response().path("KeyVersionId").asText());
            }

            String blob = encrypt(symmetric, dataSecret);
            String sm2Pem = publicKey(sm2Decrypt).getPublicKeyPem();
            RawClient.Answer underPublicKey = AsymmetricSteps.call(raw, "Decrypt", body("CiphertextBlob", blob,
                    "EncryptionPublicKey", sm2Pem));
            RawClient.Answer dataKey = AsymmetricSteps.call(raw, "GenerateDataKey", body("KeyId", symmetric,
                    "KeySpec", "AES_256", "EncryptionPublicKey", sm2Pem, "EncryptionAlgorithm", "SM2_C1C3C2_ASN1"));
            RawClient.Answer dataKeyBack = AsymmetricSteps.call(raw, "Decrypt",
                    body("CiphertextBlob", dataKey.response().path("CiphertextBlob").asText()));
            String dataKeyPlaintext = dataKeyBack.response().path("Plaintext").asText();
            for (RawClient.Answer call : List.of(underPublicKey, dataKey, dataKeyBack)) {
                JsonNode line = log.auditLine(call.response().path("RequestId").asText());
                assertThat(line.path("outcome").asText()).isEqualTo("Success");
                assertThat(line.path("keyId").asText()).isEqualTo(symmetric);
                assertThat(line.path("keyVersionId").asText()).isNotBlank();
            }

            List<String> secrets = List.of(message, b64(message.getBytes(StandardCharsets.UTF_8)), secret,
                    b64(secretBytes), dataSecret, b64(dataSecret.getBytes(StandardCharsets.UTF_8)), dataKeyPlaintext,
                    underPublicKey.response().path("Plaintext").asText(), dataKey.response().path("Plaintext").asText());
            List<String> lines = log.lines();
            assertThat(lines).as("the calls were logged").isNotEmpty();
            for (String line : lines) {
                for (String secretText : secrets) {
                    assertThat(line).doesNotContain(secretText);
                }
            }
        }
    }

    // ---- helpers ----

    private static byte[] openWithOpenssl(Openssl openssl, Path dir, String algorithm, byte[] encrypted,
                                          String privateKey, String options) throws Exception {
        boolean rawSm2 = algorithm == null || algorithm.equals("SM2");
        Files.write(dir.resolve("ct.bin"), rawSm2 ? AsymmetricSteps.sm2RawToDer(encrypted) : encrypted);
        Files.deleteIfExists(dir.resolve("pt.bin"));
        openssl.run("openssl pkeyutl -decrypt -inkey " + privateKey + " -in ct.bin -out pt.bin" + options);
        return Files.readAllBytes(dir.resolve("pt.bin"));
    }

    private static SignByAsymmetricKeyResponse sign(String keyId, String algorithm, String messageType, byte[] message)
            throws Exception {
        SignByAsymmetricKeyRequest request = new SignByAsymmetricKeyRequest();
        request.setKeyId(keyId);
        request.setAlgorithm(algorithm);
        request.setMessageType(messageType);
        request.setMessage(b64(message));
        return kms.SignByAsymmetricKey(request);
    }

    private static boolean verify(String keyId, String algorithm, String messageType, byte[] message, String signature)
            throws Exception {
        VerifyByAsymmetricKeyRequest request = new VerifyByAsymmetricKeyRequest();
        request.setKeyId(keyId);
        request.setAlgorithm(algorithm);
        request.setMessageType(messageType);
        request.setMessage(b64(message));
        request.setSignatureValue(signature);
        return kms.VerifyByAsymmetricKey(request).getSignatureValid();
    }

    private static String rsaDecrypt(String keyId, String ciphertext, String algorithm) throws Exception {
        AsymmetricRsaDecryptRequest request = new AsymmetricRsaDecryptRequest();
        request.setKeyId(keyId);
        request.setCiphertext(ciphertext);
        request.setAlgorithm(algorithm);
        return kms.AsymmetricRsaDecrypt(request).getPlaintext();
    }

    private static String sm2DecryptSdk(String keyId, String ciphertext) throws Exception {
        AsymmetricSm2DecryptRequest request = new AsymmetricSm2DecryptRequest();
        request.setKeyId(keyId);
        request.setCiphertext(ciphertext);
        return kms.AsymmetricSm2Decrypt(request).getPlaintext();
    }

    private static Map<String, Object> signBody(String keyId, String algorithm) {
        return signBody(keyId, algorithm, "RAW", TO_SIGN);
    }

    private static Map<String, Object> signBody(String keyId, String algorithm, String messageType, byte[] message) {
        return body("KeyId", keyId, "Algorithm", algorithm, "MessageType", messageType, "Message", b64(message));
    }

    private static Map<String, Object> verifyBody(String keyId, String algorithm, String signature) {
        return verifyBody(keyId, algorithm, "RAW", TO_SIGN, signature);
    }

    private static Map<String, Object> verifyBody(String keyId, String algorithm, String messageType, byte[] message,
                                                  String signature) {
        return body("KeyId", keyId, "Algorithm", algorithm, "MessageType", messageType, "Message", b64(message),
                "SignatureValue", signature);
    }

    private static Map<String, Object> rsaDecryptBody(String keyId, String ciphertext, String algorithm) {
        return body("KeyId", keyId, "Ciphertext", ciphertext, "Algorithm", algorithm);
    }

    private static GetPublicKeyResponse publicKey(String keyId) throws Exception {
        GetPublicKeyRequest request = new GetPublicKeyRequest();
        request.setKeyId(keyId);
        return kms.GetPublicKey(request);
    }

    private static byte[] publicKeyDer(String keyId) throws Exception {
        return unb64(publicKey(keyId).getPublicKey());
    }

    private static KeyMetadata describe(String keyId) throws Exception {
        DescribeKeyRequest request = new DescribeKeyRequest();
        request.setKeyId(keyId);
        return kms.DescribeKey(request).getKeyMetadata();
    }

    private static String encrypt(String keyId, String plaintext) throws Exception {
        EncryptRequest request = new EncryptRequest();
        request.setKeyId(keyId);
        request.setPlaintext(b64(plaintext.getBytes(StandardCharsets.UTF_8)));
        return kms.Encrypt(request).getCiphertextBlob();
    }

    private static String decrypt(String blob) throws Exception {
        DecryptRequest request = new DecryptRequest();
        request.setCiphertextBlob(blob);
        return new String(unb64(kms.Decrypt(request).getPlaintext()), StandardCharsets.UTF_8);
    }

    private static byte[] sha256(byte[] message) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(message);
    }

    private static List<String> pairs(AlgorithmInfo[] algorithms) {
        return Arrays.stream(algorithms).map(a -> a.getKeyUsage() + "/" + a.getAlgorithm()).toList();
    }

    private static List<String> concat(java.util.Collection<String> some, String more) {
        List<String> all = new ArrayList<>(some);
        all.add(more);
        return all;
    }
}
