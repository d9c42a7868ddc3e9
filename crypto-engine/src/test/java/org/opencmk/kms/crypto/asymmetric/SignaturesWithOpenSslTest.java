package org.opencmk.kms.crypto.asymmetric;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.KeySpec;

/**
 * Signatures against the real openssl command line, with the commands Tencent Cloud's guides give
 * users to check what SignByAsymmetricKey answered (pub.pem is GetPublicKey's PEM), and the
 * reverse: what openssl signs verifies here. Skipped where no openssl is installed.
 */
class SignaturesWithOpenSslTest {

    /** Tencent's verify commands, one per algorithm. */
    private static final Map<SignatureAlgorithm, String> VERIFY = Map.of(
            SignatureAlgorithm.RSA_PSS_SHA_256, "openssl dgst -sha256 -verify pub.pem -sigopt rsa_padding_mode:pss"
                    + " -sigopt rsa_pss_saltlen:-1 -signature sig.bin msg.txt",
            SignatureAlgorithm.RSA_PKCS1_SHA_256, "openssl dgst -sha256 -verify pub.pem -signature sig.bin msg.txt",
            SignatureAlgorithm.ECC_P256_R1, "openssl dgst -sha256 -verify pub.pem -signature sig.bin msg.txt",
            SignatureAlgorithm.SM2DSA, "openssl dgst -sm3 -verify pub.pem -sigopt distid:1234567812345678"
                    + " -signature sig.bin msg.txt");

    /** openssl signing a message file with the PKCS#8 DER private key. */
    private static final Map<SignatureAlgorithm, String> SIGN_MESSAGE = Map.of(
            SignatureAlgorithm.RSA_PSS_SHA_256, "openssl dgst -sha256 -sign priv.der -keyform DER"
                    + " -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 -out sig.bin msg.txt",
            SignatureAlgorithm.RSA_PKCS1_SHA_256, "openssl dgst -sha256 -sign priv.der -keyform DER -out sig.bin msg.txt",
            SignatureAlgorithm.ECC_P256_R1, "openssl dgst -sha256 -sign priv.der -keyform DER -out sig.bin msg.txt",
            SignatureAlgorithm.SM2DSA, "openssl dgst -sm3 -sign priv.der -keyform DER"
                    + " -sigopt distid:1234567812345678 -out sig.bin msg.txt");

    /**
     * openssl signing a digest file: pkeyutl signs its input as the hash (for SM2, as e = SM3(Z ||
     * M)); the RSA modes need to be told which hash it is.
     */
    private static final Map<SignatureAlgorithm, String> SIGN_DIGEST = Map.of(
            SignatureAlgorithm.RSA_PSS_SHA_256, "openssl pkeyutl -sign -inkey priv.der -keyform DER -in digest.bin"
                    + " -out sig.bin -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:-1",
            SignatureAlgorithm.RSA_PKCS1_SHA_256, "openssl pkeyutl -sign -inkey priv.der -keyform DER -in digest.bin"
                    + " -out sig.bin -pkeyopt digest:sha256",
            SignatureAlgorithm.ECC_P256_R1, "openssl pkeyutl -sign -inkey priv.der -keyform DER -in digest.bin"
                    + " -out sig.bin",
            SignatureAlgorithm.SM2DSA, "openssl pkeyutl -sign -inkey priv.der -keyform DER -in digest.bin"
                    + " -out sig.bin");

    /** 1,000 random bytes: a file, not text, so that no line-ending conversion can hide. */
    private static final byte[] MESSAGE = RandomSource.randomBytes(1000);

    @TempDir
    Path directory;

    @BeforeAll
    static void requireOpenSsl() {
        OpenSsl.assumeInstalled();
    }

    static Stream<Arguments> algorithmsAndTypes() {
        return Arrays.stream(SignatureAlgorithm.values())
                .flatMap(algorithm -> Arrays.stream(MessageType.values()).map(type -> Arguments.of(algorithm, type)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("algorithmsAndTypes")
    void openSslVerifiesWhatIsSigned(SignatureAlgorithm algorithm, MessageType type) throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(TestKeyPairs.specOf(algorithm));
        Files.writeString(directory.resolve("pub.pem"), pair.publicPem(), StandardCharsets.US_ASCII);
        Files.write(directory.resolve("msg.txt"), MESSAGE);

        byte[] signature = Signatures.sign(pair.privateKey(), algorithm, type, signed(algorithm, type, pair));
        Files.write(directory.resolve("sig.bin"), signature);

        assertThat(OpenSsl.ok(directory, VERIFY.get(algorithm))).contains("Verified OK");
        byte[] changed = MESSAGE.clone();
        changed[500] ^= 1;
        Files.write(directory.resolve("msg.txt"), changed);
        OpenSsl.Result refused = OpenSsl.run(directory, VERIFY.get(algorithm));
        assertThat(refused.succeeded()).as(refused.output()).isFalse();
        assertThat(refused.output()).contains("Verification failure");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("algorithmsAndTypes")
    void whatOpenSslSignsVerifies(SignatureAlgorithm algorithm, MessageType type) throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(TestKeyPairs.specOf(algorithm));
        Files.write(directory.resolve("priv.der"), pair.pkcs8());
        Files.write(directory.resolve("msg.txt"), MESSAGE);
        byte[] message = signed(algorithm, type, pair);
        Files.write(directory.resolve("digest.bin"), message);

        OpenSsl.ok(directory, (type == MessageType.RAW ? SIGN_MESSAGE : SIGN_DIGEST).get(algorithm));
        byte[] signature = Files.readAllBytes(directory.resolve("sig.bin"));

        AsymmetricPublicKey key = pair.publicKey();
        assertThat(Signatures.verify(key, algorithm, type, message, signature)).isTrue();
        // The other message type of the same message verifies the same signature.
        MessageType otherType = type == MessageType.RAW ? MessageType.DIGEST : MessageType.RAW;
        assertThat(Signatures.verify(key, algorithm, otherType, signed(algorithm, otherType, pair), signature))
                .isTrue();
        byte[] changedMessage = message.clone();
        changedMessage[message.length - 1] ^= 1;
        assertThat(Signatures.verify(key, algorithm, type, changedMessage, signature)).isFalse();
        for (int position : new int[] {0, 1, signature.length / 2, signature.length - 1}) {
            byte[] changedSignature = signature.clone();
            changedSignature[position] ^= 0x10;
            assertThat(Signatures.verify(key, algorithm, type, message, changedSignature))
                    .as("byte %d changed", position).isFalse();
        }
        assertThat(Signatures.verify(TestKeyPairs.other(pair.spec()).publicKey(), algorithm, type, message, signature))
                .as("another key").isFalse();
    }

    /**
     * What the RSA_PSS_SHA_256 signatures are: a 32-byte salt, which {@code rsa_pss_saltlen:-1}
     * (the digest's length) matches; a signature with another salt length, like openssl 3.0's
     * default for signing ({@code max}), does not verify.
     */
    @Test
    void pssSignaturesWithAnotherSaltLengthDoNotVerify() throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(KeySpec.RSA_2048);
        Files.write(directory.resolve("priv.der"), pair.pkcs8());
        Files.write(directory.resolve("msg.txt"), MESSAGE);

        OpenSsl.ok(directory, "openssl dgst -sha256 -sign priv.der -keyform DER -sigopt rsa_padding_mode:pss"
                + " -sigopt rsa_pss_saltlen:max -out sig.bin msg.txt");

        assertThat(Signatures.verify(pair.publicKey(), SignatureAlgorithm.RSA_PSS_SHA_256, MessageType.RAW, MESSAGE,
                Files.readAllBytes(directory.resolve("sig.bin")))).isFalse();
    }

    /** A signature made with another SM2 ID (openssl's default without distid is none) does not verify. */
    @Test
    void sm2SignaturesWithAnotherIdDoNotVerify() throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(KeySpec.SM2);
        Files.write(directory.resolve("priv.der"), pair.pkcs8());
        Files.write(directory.resolve("msg.txt"), MESSAGE);

        OpenSsl.ok(directory, "openssl dgst -sm3 -sign priv.der -keyform DER -sigopt distid:someone-else"
                + " -out sig.bin msg.txt");

        assertThat(Signatures.verify(pair.publicKey(), SignatureAlgorithm.SM2DSA, MessageType.RAW, MESSAGE,
                Files.readAllBytes(directory.resolve("sig.bin")))).isFalse();
    }

    /**
     * GetPublicKey's PEM and DER are what openssl reads and writes: {@code openssl pkey} prints the
     * PEM's key, reads the DER, and writes the very same PEM from it.
     */
    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"RSA_2048", "SM2", "ECC_P256"})
    void openSslReadsThePublicKeyAsPemAndAsDer(KeySpec spec) throws Exception {
        TestKeyPairs.Pair pair = TestKeyPairs.of(spec);
        Files.writeString(directory.resolve("pub.pem"), pair.publicPem(), StandardCharsets.US_ASCII);
        Files.write(directory.resolve("pub.der"), pair.publicDer());

        String text = OpenSsl.ok(directory, "openssl pkey -pubin -in pub.pem -noout -text");
        OpenSsl.ok(directory, "openssl pkey -pubin -inform DER -in pub.der -out fromder.pem");

        assertThat(text).contains(switch (spec) {
            case RSA_2048 -> "Public-Key: (2048 bit)";
            case SM2 -> "ASN1 OID: SM2";
            case ECC_P256 -> "NIST CURVE: P-256";
            default -> throw new IllegalArgumentException(spec.toString());
        });
        assertThat(Files.readString(directory.resolve("fromder.pem"), StandardCharsets.US_ASCII))
                .isEqualTo(pair.publicPem());
    }

    /** Key pairs made by openssl itself (an import, or a user's own key) are read as their specs. */
    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"SM2", "ECC_P256"})
    void keysOpenSslGeneratesAreReadAndSignAsTheirSpec(KeySpec spec) throws Exception {
        OpenSsl.ok(directory, spec == KeySpec.SM2 ? "openssl genpkey -algorithm SM2 -out key.pem"
                : "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem");
        OpenSsl.ok(directory, "openssl pkey -in key.pem -pubout -out pub.pem");
        // pkey -outform DER would write SEC1 for an EC key; PKCS#8 takes pkcs8 -topk8.
        OpenSsl.ok(directory, "openssl pkcs8 -topk8 -nocrypt -in key.pem -outform DER -out key.der");
        SignatureAlgorithm algorithm = spec == KeySpec.SM2 ? SignatureAlgorithm.SM2DSA : SignatureAlgorithm.ECC_P256_R1;

        AsymmetricPublicKey publicKey = AsymmetricPublicKey.fromPem(
                Files.readString(directory.resolve("pub.pem"), StandardCharsets.US_ASCII));
        AsymmetricPrivateKey privateKey = AsymmetricPrivateKey.parse(spec,
                SecretBytes.takeOwnership(Files.readAllBytes(directory.resolve("key.der"))));

        assertThat(publicKey.spec()).isEqualTo(spec);
        Files.write(directory.resolve("msg.txt"), MESSAGE);
        Files.write(directory.resolve("sig.bin"), Signatures.sign(privateKey, algorithm, MessageType.RAW, MESSAGE));
        assertThat(OpenSsl.ok(directory, VERIFY.get(algorithm))).contains("Verified OK");
    }

    /** The message, or the digest a caller computes of it for {@code algorithm}. */
    private static byte[] signed(SignatureAlgorithm algorithm, MessageType type, TestKeyPairs.Pair pair)
            throws Exception {
        if (type == MessageType.RAW) {
            return MESSAGE.clone();
        }
        return algorithm == SignatureAlgorithm.SM2DSA ? Sm2Digests.e(pair.publicDer(), MESSAGE)
                : MessageDigest.getInstance("SHA-256").digest(MESSAGE);
    }
}
