package org.opencmk.kms.crypto.material;

/**
 * The kind of key pair the user encrypts imported key material with, named as Tencent Cloud's
 * {@code GetParametersForImport} names it.
 */
public enum WrappingKeySpec {

    /** RSA with a 2048-bit modulus and public exponent 65537. */
    RSA_2048,

    /** SM2 (GB/T 32918) on its curve {@code sm2p256v1}, for the Chinese national algorithms. */
    SM2
}
