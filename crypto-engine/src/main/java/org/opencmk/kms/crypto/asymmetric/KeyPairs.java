package org.opencmk.kms.crypto.asymmetric;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.AsymmetricCipherKeyPairGenerator;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.generators.SM2KeyPairGenerator;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.KeySpec;

/**
 * Fresh key pairs of the asymmetric {@link KeySpec}s, encoded as the rest of the KMS keeps them:
 * public keys as DER SubjectPublicKeyInfo, private keys as PKCS#8 DER. RSA comes from the JDK;
 * the elliptic curves from BouncyCastle's lightweight API, encoded as {@code id-ecPublicKey} on a
 * named curve ({@code sm2p256v1}, which openssl 3 reads as an SM2 key, or {@code prime256v1}).
 *
 * <p>Thread-safe: no state.
 */
public final class KeyPairs {

    private static final int RSA_MODULUS_BITS = 2048;

    private KeyPairs() {
    }

    /** A fresh pair of {@code spec}; the caller owns it and closes it once done. */
    public static EncodedKeyPair generate(KeySpec spec) {
        Objects.requireNonNull(spec, "spec");
        return switch (spec) {
            case RSA_2048 -> generateRsa();
            // SM2KeyPairGenerator keeps the private key below n - 1, as GB/T 32918 requires.
            case SM2 -> generateEc(new SM2KeyPairGenerator(), EllipticCurves.SM2);
            case ECC_P256 -> generateEc(new ECKeyPairGenerator(), EllipticCurves.P256);
            case AES_256, SM4 -> throw new IllegalArgumentException(spec + " is not a key pair spec");
        };
    }

    private static EncodedKeyPair generateRsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(new RSAKeyGenParameterSpec(RSA_MODULUS_BITS, RSAKeyGenParameterSpec.F4),
                    RandomSource.secureRandom());
            KeyPair pair = generator.generateKeyPair();
            // X.509 SubjectPublicKeyInfo and PKCS#8 are the JDK's encodings for RSA keys.
            return new EncodedKeyPair(pair.getPublic().getEncoded(),
                    SecretBytes.takeOwnership(pair.getPrivate().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA key pair generation is not available in this JDK", e);
        }
    }

    private static EncodedKeyPair generateEc(AsymmetricCipherKeyPairGenerator generator, ECNamedDomainParameters curve) {
        generator.init(new ECKeyGenerationParameters(curve, RandomSource.secureRandom()));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        try {
            byte[] publicKey = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(pair.getPublic())
                    .getEncoded(ASN1Encoding.DER);
            byte[] privateKey = PrivateKeyInfoFactory.createPrivateKeyInfo(pair.getPrivate())
                    .getEncoded(ASN1Encoding.DER);
            return new EncodedKeyPair(publicKey, SecretBytes.takeOwnership(privateKey));
        } catch (IOException e) {
            throw new IllegalStateException("an elliptic-curve key pair could not be encoded", e);
        }
    }
}
