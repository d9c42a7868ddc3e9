package org.opencmk.kms.crypto.material;

import java.util.Objects;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.asymmetric.AsymmetricCiphers;
import org.opencmk.kms.crypto.asymmetric.AsymmetricPrivateKey;
import org.opencmk.kms.crypto.asymmetric.EncodedKeyPair;
import org.opencmk.kms.crypto.asymmetric.KeyPairs;
import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;
import org.opencmk.kms.events.KeySpec;

/**
 * Wrapping key pairs for importing key material, and the unwrapping of what the user encrypted
 * with one: the only place that maps a {@link WrappingKeySpec} or {@link WrappingAlgorithm} to the
 * asymmetric primitives ({@link KeyPairs}, {@link AsymmetricCiphers}) that do the work.
 *
 * <p>Thread-safe: no state.
 */
public final class ImportWrapping {

    private ImportWrapping() {
    }

    /** A fresh key pair of {@code spec}; the caller owns it and closes it once done. */
    public static EncodedKeyPair generate(WrappingKeySpec spec) {
        return KeyPairs.generate(Objects.requireNonNull(spec, "spec").keySpec());
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
        PublicKeyEncryption scheme = algorithm.scheme();
        AsymmetricPrivateKey key;
        try {
            KeySpec spec = scheme.fits(KeySpec.SM2) ? KeySpec.SM2 : KeySpec.RSA_2048;
            key = AsymmetricPrivateKey.parse(spec, Objects.requireNonNull(privateKey, "privateKey"));
        } catch (IllegalArgumentException otherKind) {
            // An SM2 algorithm with an RSA wrapping key, or the reverse: the material cannot be read.
            throw new UnreadableKeyMaterialException();
        }
        try {
            return AsymmetricCiphers.decrypt(key, scheme, encryptedMaterial);
        } catch (DecryptionFailedException e) {
            throw new UnreadableKeyMaterialException();
        }
    }
}
