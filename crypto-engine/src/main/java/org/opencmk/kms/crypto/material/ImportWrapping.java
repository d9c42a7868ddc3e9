package org.opencmk.kms.crypto.material;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Objects;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.gm.GMObjectIdentifiers;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.generators.SM2KeyPairGenerator;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.util.BigIntegers;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;

/**
 * Wrapping key pairs for importing key material, and the unwrapping of what the user encrypted
 * with one: the only place that maps a {@link WrappingKeySpec} or {@link WrappingAlgorithm} to an
 * implementation. RSA runs on the JDK's provider; SM2 on BouncyCastle's lightweight API, with the
 * {@link SM2Engine} in C1C3C2 mode, never the JCE {@code "SM2"} cipher, which is C1C2C3 and would
 * refuse every ciphertext openssl writes.
 *
 * <p>What cannot be zeroed: the JDK's and BouncyCastle's key objects hold the private key as
 * {@code BigInteger}s, and the JDK's {@code PKCS8EncodedKeySpec} keeps a copy of the encoding;
 * each lives for one call and becomes garbage at once. The encodings this class hands out and
 * takes in are {@link SecretBytes}.
 *
 * <p>Thread-safe: no state.
 */
public final class ImportWrapping {

    private static final int RSA_MODULUS_BITS = 2048;
    private static final ECNamedDomainParameters SM2_CURVE =
            ECNamedDomainParameters.lookup(GMObjectIdentifiers.sm2p256v1);
    /** Bytes of one coordinate of a point on sm2p256v1. */
    private static final int SM2_COORDINATE_LENGTH = 32;
    /** Bytes of C3, the SM3 hash in an SM2 ciphertext. */
    private static final int SM3_LENGTH = 32;
    /** Bytes of C1, an uncompressed point: {@code 04 || x || y}. */
    private static final int SM2_POINT_LENGTH = 1 + 2 * SM2_COORDINATE_LENGTH;
    private static final byte UNCOMPRESSED_POINT = 0x04;
    private static final byte DER_SEQUENCE = 0x30;

    private ImportWrapping() {
    }

    /** A fresh key pair of {@code spec}; the caller owns it and closes it once done. */
    public static WrappingKeyPair generate(WrappingKeySpec spec) {
        Objects.requireNonNull(spec, "spec");
        return switch (spec) {
            case RSA_2048 -> generateRsa();
            case SM2 -> generateSm2();
        };
    }

    /**
     * Decrypts key material the user wrapped with the public key; the caller owns the result. Any
     * length of material that decrypts is returned: checking it against the CMK's spec is the
     * caller's job.
     *
     * @param privateKey the pair's PKCS#8 private key; the caller keeps ownership
     * @throws UnreadableKeyMaterialException for any failure: another key or algorithm, bad
     *     padding, garbage, truncated, empty; never a detail of the bytes
     */
    public static SecretBytes unwrap(WrappingAlgorithm algorithm, SecretBytes privateKey, byte[] encryptedMaterial) {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(encryptedMaterial, "encryptedMaterial");
        // Outside the try: a destroyed key is the caller's bug, not unreadable material.
        byte[] encodedKey = Objects.requireNonNull(privateKey, "privateKey").insecureBytes();
        byte[] material;
        try {
            material = switch (algorithm) {
                case RSAES_PKCS1_V1_5 -> unwrapRsa("RSA/ECB/PKCS1Padding", null, encodedKey, encryptedMaterial);
                case RSAES_OAEP_SHA_1 -> unwrapRsa("RSA/ECB/OAEPPadding",
                        new OAEPParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1, PSource.PSpecified.DEFAULT),
                        encodedKey, encryptedMaterial);
                case RSAES_OAEP_SHA_256 -> unwrapRsa("RSA/ECB/OAEPPadding",
                        new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT),
                        encodedKey, encryptedMaterial);
                case SM2PKE -> unwrapSm2(encodedKey, encryptedMaterial);
            };
        } catch (GeneralSecurityException | InvalidCipherTextException | IOException | RuntimeException e) {
            // No cause: parsers' messages may quote the caller's bytes, and the kind of failure is
            // itself what a padding oracle needs.
            throw new UnreadableKeyMaterialException();
        }
        if (material.length == 0) {
            throw new UnreadableKeyMaterialException();
        }
        return SecretBytes.takeOwnership(material);
    }

    private static WrappingKeyPair generateRsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(new RSAKeyGenParameterSpec(RSA_MODULUS_BITS, RSAKeyGenParameterSpec.F4),
                    RandomSource.secureRandom());
            KeyPair pair = generator.generateKeyPair();
            // X.509 SubjectPublicKeyInfo and PKCS#8 are the JDK's encodings for RSA keys.
            return new WrappingKeyPair(pair.getPublic().getEncoded(),
                    SecretBytes.takeOwnership(pair.getPrivate().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA key pair generation is not available in this JDK", e);
        }
    }

    /**
     * An SM2 pair. {@link SM2KeyPairGenerator} keeps the private key below n - 1, as GB/T 32918
     * requires. The public key is encoded as {@code id-ecPublicKey} on the named curve
     * {@code sm2p256v1}, which openssl 3 reads as an SM2 key.
     */
    private static WrappingKeyPair generateSm2() {
        SM2KeyPairGenerator generator = new SM2KeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(SM2_CURVE, RandomSource.secureRandom()));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        try {
            byte[] publicKey = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(pair.getPublic())
                    .getEncoded(ASN1Encoding.DER);
            byte[] privateKey = PrivateKeyInfoFactory.createPrivateKeyInfo(pair.getPrivate())
                    .getEncoded(ASN1Encoding.DER);
            return new WrappingKeyPair(publicKey, SecretBytes.takeOwnership(privateKey));
        } catch (IOException e) {
            throw new IllegalStateException("an SM2 key pair could not be encoded", e);
        }
    }

    /**
     * {@code parameters} null: none (PKCS#1 v1.5). A ciphertext is exactly as long as the modulus
     * (RFC 8017, 7.1.2 and 7.2.2, step 1); the JDK would read a shorter one as a small number and
     * decrypt it, so a truncated ciphertext could pass PKCS#1 v1.5's weak padding check.
     */
    private static byte[] unwrapRsa(String transformation, AlgorithmParameterSpec parameters, byte[] encodedKey,
            byte[] encrypted) throws GeneralSecurityException {
        RSAPrivateKey key = (RSAPrivateKey) KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(encodedKey));
        if (encrypted.length != (key.getModulus().bitLength() + 7) / 8) {
            throw new BadPaddingException("not as long as the modulus");
        }
        Cipher cipher = Cipher.getInstance(transformation);
        if (parameters == null) {
            cipher.init(Cipher.DECRYPT_MODE, key);
        } else {
            cipher.init(Cipher.DECRYPT_MODE, key, parameters);
        }
        return cipher.doFinal(encrypted);
    }

    private static byte[] unwrapSm2(byte[] encodedKey, byte[] encrypted)
            throws IOException, InvalidCipherTextException {
        AsymmetricKeyParameter key = PrivateKeyFactory.createKey(encodedKey);
        if (!(key instanceof ECPrivateKeyParameters ecKey) || !SM2_CURVE.equals(ecKey.getParameters())) {
            throw new InvalidCipherTextException("not an SM2 private key");
        }
        byte[] c1c3c2 = toC1C3C2(encrypted);
        SM2Engine engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
        engine.init(false, ecKey);
        return engine.processBlock(c1c3c2, 0, c1c3c2.length);
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
}
