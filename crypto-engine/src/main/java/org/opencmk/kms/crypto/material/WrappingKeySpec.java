package org.opencmk.kms.crypto.material;

import org.opencmk.kms.events.KeySpec;

/**
 * The kind of key pair the user encrypts imported key material with, named as Tencent Cloud's
 * {@code GetParametersForImport} names it.
 */
public enum WrappingKeySpec {

    /** RSA with a 2048-bit modulus and public exponent 65537. */
    RSA_2048(KeySpec.RSA_2048),

    /** SM2 (GB/T 32918) on its curve {@code sm2p256v1}, for the Chinese national algorithms. */
    SM2(KeySpec.SM2);

    private final KeySpec keySpec;

    WrappingKeySpec(KeySpec keySpec) {
        this.keySpec = keySpec;
    }

    /** The key pair spec a wrapping key of this spec is. */
    KeySpec keySpec() {
        return keySpec;
    }
}
