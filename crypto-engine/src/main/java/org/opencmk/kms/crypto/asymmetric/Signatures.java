package org.opencmk.kms.crypto.asymmetric;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.crypto.CipherParameters;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.Signer;
import org.bouncycastle.crypto.digests.NullDigest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.params.ParametersWithID;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.DSADigestSigner;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.crypto.signers.RSADigestSigner;
import org.bouncycastle.crypto.signers.SM2Signer;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.events.KeySpec;

/**
 * Signing and verifying with asymmetric keys: the only place that maps a
 * {@link SignatureAlgorithm} and {@link MessageType} to an implementation, all on BouncyCastle's
 * lightweight API, which takes a precomputed digest as readily as a message (the JCA's
 * {@code Signature} has no PSS or SM2 form for a digest).
 *
 * <p>Thread-safe: no state; a signer object lives for one call.
 */
public final class Signatures {

    /** The default signer ID of GB/T 35276 (SM2 usage), which openssl and gmssl use too. */
    private static final byte[] SM2_DEFAULT_ID = "1234567812345678".getBytes(StandardCharsets.US_ASCII);
    private static final int SHA256_LENGTH = 32;

    private Signatures() {
    }

    /**
     * Signs {@code message} (a {@link MessageType#RAW} message, or a {@link MessageType#DIGEST}).
     *
     * @throws IllegalArgumentException if the algorithm does not fit the key, or the message's
     *     length does not fit its type (callers check both first, to answer with the right code)
     */
    public static byte[] sign(AsymmetricPrivateKey key, SignatureAlgorithm algorithm, MessageType type,
            byte[] message) {
        requireFit(key.spec(), algorithm, type, message);
        CipherParameters parameters = key.parameters();
        if (algorithm == SignatureAlgorithm.SM2DSA) {
            parameters = new ParametersWithRandom(parameters, RandomSource.secureRandom());
        }
        Signer signer = signer(algorithm, type, parameters);
        signer.init(true, algorithm == SignatureAlgorithm.SM2DSA ? new ParametersWithID(parameters, SM2_DEFAULT_ID)
                : parameters);
        signer.update(message, 0, message.length);
        try {
            return signer.generateSignature();
        } catch (CryptoException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }

    /**
     * Whether {@code signature} is a valid signature of {@code message} under {@code key}. Anything
     * that is not (another key, another message, garbage, truncated) is simply false.
     *
     * @throws IllegalArgumentException as {@link #sign}
     */
    public static boolean verify(AsymmetricPublicKey key, SignatureAlgorithm algorithm, MessageType type,
            byte[] message, byte[] signature) {
        requireFit(key.spec(), algorithm, type, message);
        Objects.requireNonNull(signature, "signature");
        CipherParameters parameters = key.parameters();
        Signer signer = signer(algorithm, type, parameters);
        signer.init(false, algorithm == SignatureAlgorithm.SM2DSA ? new ParametersWithID(parameters, SM2_DEFAULT_ID)
                : parameters);
        signer.update(message, 0, message.length);
        try {
            return signer.verifySignature(signature);
        } catch (RuntimeException malformed) {
            return false;
        }
    }

    private static void requireFit(KeySpec spec, SignatureAlgorithm algorithm,
            MessageType type, byte[] message) {
        if (!Objects.requireNonNull(algorithm, "algorithm").fits(spec)) {
            throw new IllegalArgumentException(algorithm + " does not sign with a key of spec " + spec);
        }
        if (!Objects.requireNonNull(type, "type").accepts(Objects.requireNonNull(message, "message").length)) {
            throw new IllegalArgumentException("a " + type + " message may not have " + message.length + " bytes");
        }
    }

    private static Signer signer(SignatureAlgorithm algorithm, MessageType type, CipherParameters parameters) {
        boolean digest = type == MessageType.DIGEST;
        return switch (algorithm) {
            case RSA_PSS_SHA_256 -> digest
                    ? PSSSigner.createRawSigner(new RSABlindedEngine(), new SHA256Digest(), new SHA256Digest(),
                            SHA256_LENGTH, PSSSigner.TRAILER_IMPLICIT)
                    : new PSSSigner(new RSABlindedEngine(), new SHA256Digest(), new SHA256Digest(), SHA256_LENGTH);
            case RSA_PKCS1_SHA_256 -> digest
                    ? new RSADigestSigner(new NullDigest(), NISTObjectIdentifiers.id_sha256)
                    : new RSADigestSigner(new SHA256Digest());
            case ECC_P256_R1 -> new DSADigestSigner(new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest())),
                    digest ? new NullDigest() : new SHA256Digest(), StandardDSAEncoding.INSTANCE);
            case SM2DSA -> new SM2Signer(StandardDSAEncoding.INSTANCE,
                    digest ? new PrecomputedSm3() : new SM3Digest());
        };
    }

    /**
     * For SM2DSA on a {@link MessageType#DIGEST}: the caller already computed e = SM3(Z || M).
     * {@link SM2Signer} computes Z with the digest it is given, when it is initialised; it then
     * feeds that digest Z and the message, and signs what it outputs. So this one is SM3 until its
     * first result (Z); after that it outputs the last 32 bytes fed to it, which are the caller's
     * e, and insists that exactly Z and e were fed.
     */
    private static final class PrecomputedSm3 implements Digest {

        private static final int LENGTH = 32;
        private final SM3Digest forZ = new SM3Digest();
        private boolean zComputed;
        private final ByteArrayOutputStream fed = new ByteArrayOutputStream(2 * LENGTH);

        @Override
        public String getAlgorithmName() {
            return "SM3(precomputed)";
        }

        @Override
        public int getDigestSize() {
            return LENGTH;
        }

        @Override
        public void update(byte in) {
            if (zComputed) {
                fed.write(in);
            } else {
                forZ.update(in);
            }
        }

        @Override
        public void update(byte[] in, int inOff, int len) {
            if (zComputed) {
                fed.write(in, inOff, len);
            } else {
                forZ.update(in, inOff, len);
            }
        }

        @Override
        public int doFinal(byte[] out, int outOff) {
            if (!zComputed) {
                zComputed = true;
                return forZ.doFinal(out, outOff);
            }
            byte[] all = fed.toByteArray();
            if (all.length != 2 * LENGTH) {
                throw new IllegalStateException("SM2 expects Z and a 32-byte digest, got " + all.length + " bytes");
            }
            System.arraycopy(all, LENGTH, out, outOff, LENGTH);
            Arrays.fill(all, (byte) 0);
            reset();
            return LENGTH;
        }

        @Override
        public void reset() {
            forZ.reset();
            fed.reset();
        }
    }
}
