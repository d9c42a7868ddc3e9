package org.opencmk.kms.crypto.material;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource.PSpecified;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.crypto.asymmetric.EncodedKeyPair;
import org.opencmk.kms.crypto.asymmetric.OpenSsl;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;

/**
 * The import steps users are given (the seeds: Tencent Cloud's and Alibaba Cloud's guides), run
 * for real: the public key handed out as base64 text, the material encrypted with exactly the
 * openssl commands of those guides, base64 again, then unwrapped here. Skipped where no openssl
 * is installed.
 */
class ImportWithOpenSslTest {

    @TempDir
    Path directory;

    @BeforeAll
    static void requireOpenSsl() {
        OpenSsl.assumeInstalled();
    }

    @Test
    void oaepSha256WithPkeyutl() throws Exception {
        assertOpenSslImport(WrappingKeySpec.RSA_2048, WrappingAlgorithm.RSAES_OAEP_SHA_256, 32,
                "openssl pkeyutl -encrypt -in KeyMaterial.bin -out Enc.bin -inkey PublicKey.bin -keyform DER -pubin"
                        + " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256");
    }

    @Test
    void oaepSha1WithPkeyutl() throws Exception {
        assertOpenSslImport(WrappingKeySpec.RSA_2048, WrappingAlgorithm.RSAES_OAEP_SHA_1, 32,
                "openssl pkeyutl -in KeyMaterial.bin -out Enc.bin -inkey PublicKey.bin -keyform DER -pubin -encrypt"
                        + " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1");
    }

    @Test
    void pkcs1v15WithPkeyutl() throws Exception {
        assertOpenSslImport(WrappingKeySpec.RSA_2048, WrappingAlgorithm.RSAES_PKCS1_V1_5, 32,
                "openssl pkeyutl -encrypt -in KeyMaterial.bin -out Enc.bin -inkey PublicKey.bin -keyform DER -pubin"
                        + " -pkeyopt rsa_padding_mode:pkcs1");
    }

    /** Alibaba Cloud's guide (seed 001): the deprecated rsautl, whose -oaep is OAEP with SHA-1. */
    @Test
    void oaepWithRsautl() throws Exception {
        assertOpenSslImport(WrappingKeySpec.RSA_2048, WrappingAlgorithm.RSAES_OAEP_SHA_1, 32,
                "openssl rsautl -encrypt -in KeyMaterial.bin -oaep -inkey PublicKey.bin -keyform DER -pubin -out Enc.bin");
    }

    /** openssl writes SM2 ciphertexts in the GM/T 0009 DER form. */
    @Test
    void sm2WithPkeyutl() throws Exception {
        byte[] encrypted = assertOpenSslImport(WrappingKeySpec.SM2, WrappingAlgorithm.SM2PKE, 16,
                "openssl pkeyutl -encrypt -pubin -inkey PublicKey.bin -keyform DER -in KeyMaterial.bin -out Enc.bin");

        assertThat(encrypted[0]).as("a DER SEQUENCE").isEqualTo((byte) 0x30);
    }

    /** Java's {@code OAEPWithSHA-256AndMGF1Padding} uses MGF1-SHA-1: not RSAES_OAEP_SHA_256. */
    @Test
    void oaepSha256IsOpenSslsNotJavasDefault() throws Exception {
        byte[] material = RandomSource.randomBytes(32);
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.RSA_2048)) {
            PublicKey publicKey = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(pair.publicKey()));
            Cipher javaDefault = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding");
            javaDefault.init(Cipher.ENCRYPT_MODE, publicKey);
            byte[] encrypted = javaDefault.doFinal(material);

            assertThatThrownBy(() -> ImportWrapping.unwrap(
                    WrappingAlgorithm.RSAES_OAEP_SHA_256, pair.privateKey(), encrypted))
                    .isInstanceOf(UnreadableKeyMaterialException.class);
        }
    }

    /** The Java sample of Alibaba Cloud's guide (seed 001), as written there but for the SDK calls. */
    @Test
    void theSeedsJavaSampleWithOaepSha256() throws Exception {
        byte[] keyMaterial = RandomSource.randomBytes(32);
        try (EncodedKeyPair pair = ImportWrapping.generate(WrappingKeySpec.RSA_2048)) {
            String encryptPublicKey = Base64.getEncoder().encodeToString(pair.publicKey());

            byte[] publicKeyDer = Base64.getDecoder().decode(encryptPublicKey);
            KeyFactory keyFact = KeyFactory.getInstance("RSA");
            X509EncodedKeySpec spec = new X509EncodedKeySpec(publicKeyDer);
            PublicKey publicKey = keyFact.generatePublic(spec);
            Cipher oaepFromAlgo = Cipher.getInstance("RSA/ECB/OAEPWithSHA-1AndMGF1Padding");
            String hashFunc = "SHA-256";
            OAEPParameterSpec oaepParams =
                    new OAEPParameterSpec(hashFunc, "MGF1", new MGF1ParameterSpec(hashFunc), PSpecified.DEFAULT);
            oaepFromAlgo.init(Cipher.ENCRYPT_MODE, publicKey, oaepParams);
            byte[] cipherDer = oaepFromAlgo.doFinal(keyMaterial);
            String encryptedKeyMaterial = Base64.getEncoder().encodeToString(cipherDer);

            try (SecretBytes unwrapped = ImportWrapping.unwrap(WrappingAlgorithm.RSAES_OAEP_SHA_256,
                    pair.privateKey(), Base64.getDecoder().decode(encryptedKeyMaterial))) {
                assertThat(unwrapped.insecureBytes()).isEqualTo(keyMaterial);
            }
        }
    }

    /** Runs the guide's steps around {@code encryptCommand}; returns the encrypted bytes. */
    private byte[] assertOpenSslImport(WrappingKeySpec spec, WrappingAlgorithm algorithm, int materialLength,
            String encryptCommand) throws Exception {
        try (EncodedKeyPair pair = ImportWrapping.generate(spec)) {
            // What GetParametersForImport answers: the public key as base64 text.
            Files.writeString(directory.resolve("PublicKey_base64.txt"),
                    Base64.getEncoder().encodeToString(pair.publicKey()), StandardCharsets.US_ASCII);

            run("openssl rand -out KeyMaterial.bin " + materialLength);
            run("openssl enc -d -base64 -A -in PublicKey_base64.txt -out PublicKey.bin");
            run(encryptCommand);
            run("openssl enc -e -base64 -A -in Enc.bin -out Enc_base64.txt");

            byte[] material = Files.readAllBytes(directory.resolve("KeyMaterial.bin"));
            byte[] encrypted = Base64.getDecoder().decode(
                    Files.readString(directory.resolve("Enc_base64.txt"), StandardCharsets.US_ASCII).strip());
            assertThat(material).hasSize(materialLength);
            assertThat(Files.readAllBytes(directory.resolve("PublicKey.bin"))).isEqualTo(pair.publicKey());
            try (SecretBytes unwrapped = ImportWrapping.unwrap(algorithm, pair.privateKey(), encrypted)) {
                assertThat(unwrapped.insecureBytes()).isEqualTo(material);
            }
            return encrypted;
        }
    }

    private void run(String command) throws IOException, InterruptedException {
        OpenSsl.ok(directory, command);
    }
}
