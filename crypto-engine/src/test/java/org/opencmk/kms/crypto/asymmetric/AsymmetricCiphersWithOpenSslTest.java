package org.opencmk.kms.crypto.asymmetric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.KeySpec;

/**
 * Public-key encryption against the real openssl command line: what users encrypt with {@code
 * openssl pkeyutl -encrypt} under GetPublicKey's PEM (for AsymmetricRsaDecrypt and
 * AsymmetricSm2Decrypt) decrypts here, and what is encrypted here under a caller's public key
 * (Decrypt's EncryptionPublicKey) decrypts with {@code openssl pkeyutl -decrypt}. Skipped where
 * no openssl is installed.
 */
class AsymmetricCiphersWithOpenSslTest {

    /** The pkeyopts that select each scheme; SM2 has none. */
    private static final Map<PublicKeyEncryption, String> OPTIONS = Map.of(
            PublicKeyEncryption.RSAES_PKCS1_V1_5, " -pkeyopt rsa_padding_mode:pkcs1",
            PublicKeyEncryption.RSAES_OAEP_SHA_1, " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1",
            PublicKeyEncryption.RSAES_OAEP_SHA_256, " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256",
            PublicKeyEncryption.SM2, "",
            PublicKeyEncryption.SM2_C1C3C2_ASN1, "");

    private static final String ENCRYPT =
            "openssl pkeyutl -encrypt -pubin -inkey pub.pem -in plain.bin -out enc.bin";
    private static final String DECRYPT = "openssl pkeyutl -decrypt -inkey priv.pem -in enc.bin -out dec.bin";

    @TempDir
    Path directory;

    @BeforeAll
    static void requireOpenSsl() {
        OpenSsl.assumeInstalled();
    }

    @ParameterizedTest
    @EnumSource(value = PublicKeyEncryption.class, names = {"RSAES_PKCS1_V1_5", "RSAES_OAEP_SHA_1",
            "RSAES_OAEP_SHA_256", "SM2_C1C3C2_ASN1"})
    void whatOpenSslEncryptsDecrypts(PublicKeyEncryption scheme) throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(TestKeyPairs.specOf(scheme));
        byte[] plaintext = RandomSource.randomBytes(32);

        byte[] ciphertext = openSslEncrypt(pair, scheme, plaintext);

        try (SecretBytes decrypted = AsymmetricCiphers.decrypt(pair.privateKey(), scheme, ciphertext)) {
            assertThat(decrypted.insecureBytes()).isEqualTo(plaintext);
        }
    }

    /** openssl writes SM2 ciphertexts as DER; both SM2 schemes take that and the raw form alike. */
    @Test
    void whatOpenSslEncryptsWithSm2DecryptsInEitherForm() throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(KeySpec.SM2);
        byte[] plaintext = "an SM2 secret, a bit longer than one hash".getBytes(StandardCharsets.UTF_8);

        byte[] der = openSslEncrypt(pair, PublicKeyEncryption.SM2, plaintext);
        byte[] raw = Sm2Ciphertexts.derToRaw(der);

        assertThat(der[0]).as("a DER SEQUENCE").isEqualTo((byte) 0x30);
        assertThat(raw).hasSize(1 + 64 + 32 + plaintext.length);
        for (PublicKeyEncryption scheme : new PublicKeyEncryption[] {PublicKeyEncryption.SM2,
                PublicKeyEncryption.SM2_C1C3C2_ASN1}) {
            for (byte[] ciphertext : new byte[][] {der, raw}) {
                try (SecretBytes decrypted = AsymmetricCiphers.decrypt(pair.privateKey(), scheme, ciphertext)) {
                    assertThat(decrypted.insecureBytes()).isEqualTo(plaintext);
                }
            }
        }
    }

    /** The longest plaintext RSA-2048 takes with each padding, as the documentation says. */
    @ParameterizedTest
    @EnumSource(value = PublicKeyEncryption.class, names = {"RSAES_PKCS1_V1_5", "RSAES_OAEP_SHA_1",
            "RSAES_OAEP_SHA_256"})
    void theLongestPlaintextOpenSslEncryptsDecrypts(PublicKeyEncryption scheme) throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(KeySpec.RSA_2048);
        byte[] plaintext = RandomSource.randomBytes(switch (scheme) {
            case RSAES_PKCS1_V1_5 -> 245;
            case RSAES_OAEP_SHA_1 -> 214;
            default -> 190;
        });

        byte[] ciphertext = openSslEncrypt(pair, scheme, plaintext);

        try (SecretBytes decrypted = AsymmetricCiphers.decrypt(pair.privateKey(), scheme, ciphertext)) {
            assertThat(decrypted.insecureBytes()).isEqualTo(plaintext);
        }
    }

    /** OAEP with another hash than the one it was made with fails, in both directions. */
    @Test
    void openSslsOaepCiphertextsDoNotDecryptWithTheOtherHash() throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(KeySpec.RSA_2048);
        byte[] plaintext = RandomSource.randomBytes(32);

        byte[] sha1 = openSslEncrypt(pair, PublicKeyEncryption.RSAES_OAEP_SHA_1, plaintext);
        byte[] sha256 = openSslEncrypt(pair, PublicKeyEncryption.RSAES_OAEP_SHA_256, plaintext);

        assertThatThrownBy(() -> AsymmetricCiphers.decrypt(pair.privateKey(), PublicKeyEncryption.RSAES_OAEP_SHA_256,
                sha1)).isInstanceOf(DecryptionFailedException.class);
        assertThatThrownBy(() -> AsymmetricCiphers.decrypt(pair.privateKey(), PublicKeyEncryption.RSAES_OAEP_SHA_1,
                sha256)).isInstanceOf(DecryptionFailedException.class);
    }

    @ParameterizedTest
    @EnumSource(value = PublicKeyEncryption.class, names = {"RSAES_PKCS1_V1_5", "RSAES_OAEP_SHA_1",
            "RSAES_OAEP_SHA_256", "SM2_C1C3C2_ASN1"})
    void openSslDecryptsWhatIsEncrypted(PublicKeyEncryption scheme) throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(TestKeyPairs.specOf(scheme));
        byte[] plaintext = RandomSource.randomBytes(32);
        byte[] ciphertext = AsymmetricCiphers.encrypt(pair.publicKey(), scheme, plaintext);

        assertThat(openSslDecrypt(pair, scheme, ciphertext)).isEqualTo(plaintext);
    }

    /**
     * SM2's raw form is not what openssl reads: it takes the DER form only. Converted to DER, the
     * raw ciphertext decrypts; several times, so that x and y with their first bit set (INTEGERs
     * needing a leading zero) come along.
     */
    @Test
    void openSslDecryptsSm2sRawFormOnlyOnceConvertedToDer() throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(KeySpec.SM2);
        byte[] plaintext = RandomSource.randomBytes(48);

        for (int i = 0; i < 4; i++) {
            byte[] raw = AsymmetricCiphers.encrypt(pair.publicKey(), PublicKeyEncryption.SM2, plaintext);
            assertThat(raw[0]).as("an uncompressed point").isEqualTo((byte) 0x04);
            assertThat(raw).hasSize(1 + 64 + 32 + plaintext.length);

            writePrivateKey(pair);
            Files.write(directory.resolve("enc.bin"), raw);
            OpenSsl.Result refused = OpenSsl.run(directory, DECRYPT);
            assertThat(refused.succeeded()).as("openssl reads no raw SM2 ciphertext: %s", refused.output()).isFalse();

            assertThat(openSslDecrypt(pair, PublicKeyEncryption.SM2, Sm2Ciphertexts.rawToDer(raw)))
                    .isEqualTo(plaintext);
        }
    }

    /** The DER form written here is the one openssl writes: the same bytes as converting the raw form. */
    @Test
    void sm2sDerFormIsGmT0009() throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(KeySpec.SM2);
        byte[] plaintext = RandomSource.randomBytes(16);

        byte[] der = AsymmetricCiphers.encrypt(pair.publicKey(), PublicKeyEncryption.SM2_C1C3C2_ASN1, plaintext);

        assertThat(Sm2Ciphertexts.rawToDer(Sm2Ciphertexts.derToRaw(der))).isEqualTo(der);
        Files.write(directory.resolve("enc.der"), der);
        assertThat(OpenSsl.ok(directory, "openssl asn1parse -inform DER -in enc.der"))
                .containsSubsequence("SEQUENCE", "INTEGER", "INTEGER", "OCTET STRING", "OCTET STRING");
    }

    private byte[] openSslEncrypt(TestKeyPairs.Pair pair, PublicKeyEncryption scheme, byte[] plaintext)
            throws Exception {
        Files.writeString(directory.resolve("pub.pem"), pair.publicPem(), StandardCharsets.US_ASCII);
        Files.write(directory.resolve("plain.bin"), plaintext);
        OpenSsl.ok(directory, ENCRYPT + OPTIONS.get(scheme));
        return Files.readAllBytes(directory.resolve("enc.bin"));
    }

    private byte[] openSslDecrypt(TestKeyPairs.Pair pair, PublicKeyEncryption scheme, byte[] ciphertext)
            throws Exception {
        writePrivateKey(pair);
        Files.write(directory.resolve("enc.bin"), ciphertext);
        OpenSsl.ok(directory, DECRYPT + OPTIONS.get(scheme));
        return Files.readAllBytes(directory.resolve("dec.bin"));
    }

    private void writePrivateKey(TestKeyPairs.Pair pair) throws Exception {
        Files.writeString(directory.resolve("priv.pem"), pair.privatePem(), StandardCharsets.US_ASCII);
    }
}
