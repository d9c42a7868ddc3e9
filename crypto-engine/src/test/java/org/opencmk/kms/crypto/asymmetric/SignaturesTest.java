package org.opencmk.kms.crypto.asymmetric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.events.KeySpec;

/** Signatures without openssl: round trips, the rules on messages and keys, and garbage. */
class SignaturesTest {

    private static final byte[] MESSAGE = RandomSource.randomBytes(1024);

    static Stream<Arguments> algorithmsAndTypes() {
        return Arrays.stream(SignatureAlgorithm.values())
                .flatMap(algorithm -> Arrays.stream(MessageType.values()).map(type -> Arguments.of(algorithm, type)));
    }

    /** Every algorithm with every key pair spec it does not sign with. */
    static Stream<Arguments> mismatches() {
        return Arrays.stream(SignatureAlgorithm.values()).flatMap(algorithm -> Arrays.stream(TestKeyPairs.KEY_PAIR_SPECS)
                .filter(spec -> !algorithm.fits(spec))
                .map(spec -> Arguments.of(algorithm, spec)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("algorithmsAndTypes")
    void signaturesVerify(SignatureAlgorithm algorithm, MessageType type) throws Exception {
        TestKeyPairs.Pair pair = pair(algorithm);
        byte[] message = message(algorithm, type, pair);

        byte[] signature = Signatures.sign(pair.privateKey(), algorithm, type, message);

        assertThat(Signatures.verify(pair.publicKey(), algorithm, type, message, signature)).isTrue();
    }

    /** A DIGEST is the hash of the RAW message (for SM2DSA, e = SM3(Z || M)): the same signature. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(SignatureAlgorithm.class)
    void aDigestsSignatureIsItsMessagesSignature(SignatureAlgorithm algorithm) throws Exception {
        TestKeyPairs.Pair pair = pair(algorithm);
        byte[] digest = message(algorithm, MessageType.DIGEST, pair);

        byte[] ofMessage = Signatures.sign(pair.privateKey(), algorithm, MessageType.RAW, MESSAGE);
        byte[] ofDigest = Signatures.sign(pair.privateKey(), algorithm, MessageType.DIGEST, digest);

        assertThat(Signatures.verify(pair.publicKey(), algorithm, MessageType.DIGEST, digest, ofMessage)).isTrue();
        assertThat(Signatures.verify(pair.publicKey(), algorithm, MessageType.RAW, MESSAGE, ofDigest)).isTrue();
    }

    /**
     * PKCS#1 v1.5 is deterministic by construction and ECDSA by RFC 6979 (no weak random number
     * can leak the key); PSS and SM2 take fresh randomness each time.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(SignatureAlgorithm.class)
    void signingTwiceGivesTheSameSignatureOnlyWhereDeterministic(SignatureAlgorithm algorithm) {
        TestKeyPairs.Pair pair = pair(algorithm);

        byte[] first = Signatures.sign(pair.privateKey(), algorithm, MessageType.RAW, MESSAGE);
        byte[] second = Signatures.sign(pair.privateKey(), algorithm, MessageType.RAW, MESSAGE);

        boolean deterministic = algorithm == SignatureAlgorithm.RSA_PKCS1_SHA_256
                || algorithm == SignatureAlgorithm.ECC_P256_R1;
        assertThat(Arrays.equals(first, second)).isEqualTo(deterministic);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SignatureAlgorithm.class)
    void rawMessagesOfOneTo4096BytesAreSigned(SignatureAlgorithm algorithm) {
        TestKeyPairs.Pair pair = pair(algorithm);
        for (int length : new int[] {1, MessageType.MAX_RAW_LENGTH}) {
            byte[] message = RandomSource.randomBytes(length);
            byte[] signature = Signatures.sign(pair.privateKey(), algorithm, MessageType.RAW, message);
            assertThat(Signatures.verify(pair.publicKey(), algorithm, MessageType.RAW, message, signature)).isTrue();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("algorithmsAndTypes")
    void messagesOfAnotherLengthAreRefused(SignatureAlgorithm algorithm, MessageType type) {
        TestKeyPairs.Pair pair = pair(algorithm);
        int[] lengths = type == MessageType.RAW ? new int[] {0, MessageType.MAX_RAW_LENGTH + 1}
                : new int[] {0, 1, 31, 33, 64};
        byte[] someSignature = Signatures.sign(pair.privateKey(), algorithm, MessageType.RAW, MESSAGE);
        for (int length : lengths) {
            byte[] message = new byte[length];
            assertThatThrownBy(() -> Signatures.sign(pair.privateKey(), algorithm, type, message))
                    .as("%d bytes", length)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(type + " message");
            assertThatThrownBy(() -> Signatures.verify(pair.publicKey(), algorithm, type, message, someSignature))
                    .as("%d bytes", length)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("mismatches")
    void anAlgorithmRefusesAKeyOfAnotherSpec(SignatureAlgorithm algorithm, KeySpec spec) {
        TestKeyPairs.Pair pair = TestKeyPairs.of(spec);

        assertThatThrownBy(() -> Signatures.sign(pair.privateKey(), algorithm, MessageType.RAW, MESSAGE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(algorithm.toString()).hasMessageContaining(spec.toString());
        assertThatThrownBy(() -> Signatures.verify(pair.publicKey(), algorithm, MessageType.RAW, MESSAGE, new byte[64]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Anything but a signature is simply not valid: no exception, whatever the bytes. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("algorithmsAndTypes")
    void garbageSignaturesAreFalseNeverAnException(SignatureAlgorithm algorithm, MessageType type) throws Exception {
        TestKeyPairs.Pair pair = pair(algorithm);
        byte[] message = message(algorithm, type, pair);

        for (byte[] garbage : garbageSignatures(pair.spec())) {
            assertThat(Signatures.verify(pair.publicKey(), algorithm, type, message, garbage))
                    .as("%d bytes", garbage.length).isFalse();
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("algorithmsAndTypes")
    void aChangedMessageOrSignatureOrAnotherKeyIsFalse(SignatureAlgorithm algorithm, MessageType type)
            throws Exception {
        TestKeyPairs.Pair pair = pair(algorithm);
        byte[] message = message(algorithm, type, pair);
        byte[] signature = Signatures.sign(pair.privateKey(), algorithm, type, message);

        byte[] changed = message.clone();
        changed[0] ^= (byte) 0x80;
        assertThat(Signatures.verify(pair.publicKey(), algorithm, type, changed, signature)).isFalse();
        for (int position = 0; position < signature.length; position += 7) {
            byte[] changedSignature = signature.clone();
            changedSignature[position] ^= 1;
            assertThat(Signatures.verify(pair.publicKey(), algorithm, type, message, changedSignature))
                    .as("byte %d changed", position).isFalse();
        }
        assertThat(Signatures.verify(pair.publicKey(), algorithm, type, message,
                Arrays.copyOf(signature, signature.length - 1))).as("truncated").isFalse();
        assertThat(Signatures.verify(pair.publicKey(), algorithm, type, message,
                Arrays.copyOf(signature, signature.length + 1))).as("extended").isFalse();
        assertThat(Signatures.verify(TestKeyPairs.other(pair.spec()).publicKey(), algorithm, type, message, signature))
                .as("another key").isFalse();
    }

    private static List<byte[]> garbageSignatures(KeySpec spec) {
        List<byte[]> garbage = new ArrayList<>();
        for (int length : new int[] {0, 1, 2, 8, 63, 64, 70, 71, 72, 255, 256, 257, 512}) {
            garbage.add(RandomSource.randomBytes(length));
            garbage.add(new byte[length]);
            byte[] ones = new byte[length];
            Arrays.fill(ones, (byte) 0xFF);
            garbage.add(ones);
        }
        garbage.add(new byte[] {0x30});
        garbage.add(new byte[] {0x30, 0x00});
        garbage.add(new byte[] {0x30, (byte) 0x84, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        BigInteger n = spec == KeySpec.RSA_2048 ? BigInteger.TWO.pow(256)
                : (spec == KeySpec.SM2 ? EllipticCurves.SM2 : EllipticCurves.P256).getN();
        BigInteger[][] pairs = {{BigInteger.ZERO, BigInteger.ZERO}, {BigInteger.ONE, BigInteger.ONE},
                {n, BigInteger.ONE}, {BigInteger.ONE, n}, {n.subtract(BigInteger.ONE), n.subtract(BigInteger.ONE)},
                {BigInteger.ONE.negate(), BigInteger.ONE}, {BigInteger.TWO.pow(1000), BigInteger.ONE}};
        for (BigInteger[] rs : pairs) {
            ASN1EncodableVector fields = new ASN1EncodableVector(2);
            fields.add(new ASN1Integer(rs[0]));
            fields.add(new ASN1Integer(rs[1]));
            try {
                garbage.add(new DERSequence(fields).getEncoded());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return garbage;
    }

    private static TestKeyPairs.Pair pair(SignatureAlgorithm algorithm) {
        return TestKeyPairs.of(TestKeyPairs.specOf(algorithm));
    }

    /** {@link #MESSAGE}, or the digest a caller computes of it for {@code algorithm}. */
    private static byte[] message(SignatureAlgorithm algorithm, MessageType type, TestKeyPairs.Pair pair)
            throws Exception {
        if (type == MessageType.RAW) {
            return MESSAGE.clone();
        }
        return algorithm == SignatureAlgorithm.SM2DSA ? Sm2Digests.e(pair.publicDer(), MESSAGE)
                : MessageDigest.getInstance("SHA-256").digest(MESSAGE);
    }
}
