package org.opencmk.kms.crypto;

import java.security.SecureRandom;
import org.opencmk.kms.events.KeySpec;

/**
 * The one source of randomness for key material, key-encryption keys, wrapping key pairs and
 * nonces. One shared {@link SecureRandom} from the default constructor: on Linux it reads
 * {@code /dev/urandom}, which never blocks once the kernel pool is seeded, and it is thread-safe.
 */
public final class RandomSource {

    private static final SecureRandom RANDOM = new SecureRandom();

    private RandomSource() {
    }

    /** Fresh random material of the length a symmetric {@code spec} requires. */
    public static SecretBytes newMaterial(KeySpec spec) {
        if (!spec.isSymmetric()) {
            throw new IllegalArgumentException(spec + " is a key pair spec, not random material");
        }
        return newSecret(spec.materialLength());
    }

    /** Fresh random secret bytes of {@code length} bytes (a root or key-encryption key). */
    public static SecretBytes newSecret(int length) {
        return SecretBytes.takeOwnership(randomBytes(length));
    }

    /**
     * The shared generator itself, for the APIs that draw from a {@link SecureRandom} (key pair
     * generators). Not for direct use where the methods above serve.
     */
    public static SecureRandom secureRandom() {
        return RANDOM;
    }

    /** Random bytes that are not secret (nonces, tokens). */
    public static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
