package org.opencmk.kms.crypto.asymmetric;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.crypto.AsymmetricBlockCipher;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.encodings.OAEPEncoding;
import org.bouncycastle.crypto.encodings.PKCS1Encoding;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.util.BigIntegers;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.KeySpec;

/**
 * Public-key encryption and private-key decryption: the only place that maps a
 * {@link PublicKeyEncryption} to an implementation, all on BouncyCastle's lightweight API. SM2
 * runs {@link SM2Engine} in C1C3C2 mode, never the JCE {@code "SM2"} cipher, which is C1C2C3 and
 * would refuse every ciphertext openssl writes.
 *
 * <p>Thread-safe: no state.
 */
public final class AsymmetricCiphers {

    /** Bytes of one coordinate of a point on sm2p256v1. */
    private static final int SM2_COORDINATE_LENGTH = 32;
    /** Bytes of C3, the SM3 hash in an SM2 ciphertext. */
    private static final int SM3_LENGTH = 32;
    /** Bytes of C1, an uncompressed point: {@code 04 || x || y}. */
    private static final int SM2_POINT_LENGTH = 1 + 2 * SM2_COORDINATE_LENGTH;
    private static final byte UNCOMPRESSED_POINT = 0x04;
    private static final byte DER_SEQUENCE = 0x30;

    private AsymmetricCiphers() {
    }

    /**
     * Decrypts what was encrypted under the key's public key; the caller owns the result.
     *
     * @throws DecryptionFailedException for any failure: another key or scheme, bad padding,
     *     garbage, truncated, empty; never a detail of the bytes, whose kind of failure is itself
     *     what a padding oracle needs
     * @throws IllegalArgumentException if the scheme does not fit the key
     */
    public static SecretBytes decrypt(AsymmetricPrivateKey key, PublicKeyEncryption scheme, byte[] ciphertext) {
        requireFit(key.spec(), scheme);
        Objects.requireNonNull(ciphertext, "ciphertext");
        byte[] plaintext;
        try {
            if (scheme.fits(KeySpec.SM2)) {
                byte[] raw = toC1C3C2(ciphertext);
                SM2Engine engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
                engine.init(false, key.parameters());
                plaintext = engine.processBlock(raw, 0, raw.length);
            } else {
                RSAKeyParameters rsa = (RSAKeyParameters) key.parameters();
                // A ciphertext is exactly as long as the modulus (RFC 8017, 7.1.2 and 7.2.2, step
                // 1); a shorter one would be read as a small number, so that a truncated one could
                // pass PKCS#1 v1.5's weak padding check.
                if (ciphertext.length != (rsa.getModulus().bitLength() + 7) / 8) {
                    throw new DecryptionFailedException();
                }
                AsymmetricBlockCipher cipher = rsa(scheme);
                cipher.init(false, rsa);
                plaintext = cipher.processBlock(ciphertext, 0, ciphertext.length);
            }
        } catch (InvalidCipherTextException | IOException | RuntimeException e) {
            throw new DecryptionFailedException();
        }
        if (plaintext.length == 0) {
            throw new DecryptionFailedException();
        }
        return SecretBytes.takeOwnership(plaintext);
    }

    /**
     * Encrypts {@code plaintext} under a public key, as {@code scheme} says.
     *
     * @throws IllegalArgumentException if the scheme does not fit the key, or the plaintext is
     *     too long for it (RSA-2048: 245 bytes with PKCS#1 v1.5, 214 with OAEP-SHA-1, 190 with
     *     OAEP-SHA-256)
     */
    public static byte[] encrypt(AsymmetricPublicKey key, PublicKeyEncryption scheme, byte[] plaintext) {
        requireFit(key.spec(), scheme);
        Objects.requireNonNull(plaintext, "plaintext");
        ParametersWithRandom parameters = new ParametersWithRandom(key.parameters(), RandomSource.secureRandom());
        try {
            if (scheme.fits(KeySpec.SM2)) {
                SM2Engine engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
                engine.init(true, parameters);
                byte[] raw = engine.processBlock(plaintext, 0, plaintext.length);
                return scheme == PublicKeyEncryption.SM2 ? raw : toDer(raw);
            }
            AsymmetricBlockCipher cipher = rsa(scheme);
            cipher.init(true, parameters);
            if (plaintext.length > cipher.getInputBlockSize()) {
                throw new IllegalArgumentException(scheme + " encrypts at most " + cipher.getInputBlockSize()
                        + " bytes with this key");
            }
            return cipher.processBlock(plaintext, 0, plaintext.length);
        } catch (InvalidCipherTextException | IOException e) {
            throw new IllegalStateException("public-key encryption failed", e);
        }
    }

    private static void requireFit(KeySpec spec, PublicKeyEncryption scheme) {
        if (!Objects.requireNonNull(scheme, "scheme").fits(spec)) {
            throw new IllegalArgumentException(scheme + " does not work with a key of spec " + spec);
        }
    }

    private static AsymmetricBlockCipher rsa(PublicKeyEncryption scheme) {
        return switch (scheme) {
            case RSAES_PKCS1_V1_5 -> new PKCS1Encoding(new RSABlindedEngine());
            case RSAES_OAEP_SHA_1 -> new OAEPEncoding(new RSABlindedEngine(), new SHA1Digest(), new SHA1Digest(), null);
            case RSAES_OAEP_SHA_256 ->
                    new OAEPEncoding(new RSABlindedEngine(), new SHA256Digest(), new SHA256Digest(), null);
            case SM2, SM2_C1C3C2_ASN1 -> throw new IllegalArgumentException(scheme + " is no RSA scheme");
        };
    }

    /**
     * The raw {@code 04 || x || y || C3 || C2} that {@link SM2Engine} reads, from either that form
     * itself or the GM/T 0009 DER form openssl writes: {@code SEQUENCE { INTEGER x, INTEGER y,
     * OCTET STRING C3, OCTET STRING C2 }}. The first byte tells them apart (a point begins with
     * 04, a SEQUENCE with 30). Coordinates are read as unsigned, so that encoders that forget
     * INTEGER's leading zero are understood too, and padded to 32 bytes.
     */
    private static byte[] toC1C3C2(byte[] encrypted) throws IOException, InvalidCipherTextException {
        if (encrypted.length > SM2_POINT_LENGTH + SM3_LENGTH && encrypted[0] == UNCOMPRESSED_POINT) {
            return encrypted;
        }
        if (encrypted.length == 0 || encrypted[0] != DER_SEQUENCE) {
            throw new InvalidCipherTextException("neither raw C1C3C2 nor DER");
        }
        // Throws on truncated input and on bytes after the SEQUENCE.
        ASN1Sequence sequence = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(encrypted));
        if (sequence.size() != 4) {
            throw new InvalidCipherTextException("not an SM2 ciphertext");
        }
        BigInteger x = ASN1Integer.getInstance(sequence.getObjectAt(0)).getPositiveValue();
        BigInteger y = ASN1Integer.getInstance(sequence.getObjectAt(1)).getPositiveValue();
        byte[] hash = ASN1OctetString.getInstance(sequence.getObjectAt(2)).getOctets();
        byte[] ciphertext = ASN1OctetString.getInstance(sequence.getObjectAt(3)).getOctets();
        if (hash.length != SM3_LENGTH || ciphertext.length == 0) {
            throw new InvalidCipherTextException("not an SM2 ciphertext");
        }
        byte[] raw = new byte[SM2_POINT_LENGTH + SM3_LENGTH + ciphertext.length];
        raw[0] = UNCOMPRESSED_POINT;
        // Throws if a coordinate does not fit in 32 bytes.
        BigIntegers.asUnsignedByteArray(x, raw, 1, SM2_COORDINATE_LENGTH);
        BigIntegers.asUnsignedByteArray(y, raw, 1 + SM2_COORDINATE_LENGTH, SM2_COORDINATE_LENGTH);
        System.arraycopy(hash, 0, raw, SM2_POINT_LENGTH, SM3_LENGTH);
        System.arraycopy(ciphertext, 0, raw, SM2_POINT_LENGTH + SM3_LENGTH, ciphertext.length);
        return raw;
    }

    /** The GM/T 0009 DER form of a raw C1C3C2 ciphertext (the inverse of {@link #toC1C3C2}). */
    private static byte[] toDer(byte[] raw) throws IOException {
        ASN1EncodableVector fields = new ASN1EncodableVector(4);
        fields.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 1, 1 + SM2_COORDINATE_LENGTH))));
        fields.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 1 + SM2_COORDINATE_LENGTH,
                SM2_POINT_LENGTH))));
        fields.add(new DEROctetString(Arrays.copyOfRange(raw, SM2_POINT_LENGTH, SM2_POINT_LENGTH + SM3_LENGTH)));
        fields.add(new DEROctetString(Arrays.copyOfRange(raw, SM2_POINT_LENGTH + SM3_LENGTH, raw.length)));
        return new DERSequence(fields).getEncoded(ASN1Encoding.DER);
    }
}
