package org.opencmk.kms.crypto.asymmetric;

import org.opencmk.kms.events.KeySpec;

/**
 * How SignByAsymmetricKey signs, by Tencent Cloud's names. Each constant says which openssl
 * command verifies its signatures, since that is how users are told to check them (seed 004).
 */
public enum SignatureAlgorithm {

    /**
     * RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt: {@code openssl dgst -sha256
     * -verify pub.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1}.
     */
    RSA_PSS_SHA_256(KeySpec.RSA_2048),

    /** RSASSA-PKCS1-v1_5 with SHA-256: {@code openssl dgst -sha256 -verify pub.pem}. */
    RSA_PKCS1_SHA_256(KeySpec.RSA_2048),

    /**
     * ECDSA on P-256 with SHA-256, the signature DER-encoded: {@code openssl dgst -sha256 -verify
     * pub.pem}. The nonce is derived as RFC 6979 says, so no weak random number can leak the key.
     */
    ECC_P256_R1(KeySpec.ECC_P256),

    /**
     * SM2 signature (GB/T 32918.2) with SM3 over Z || M, Z from the default ID {@code
     * 1234567812345678}, the signature DER-encoded: {@code openssl dgst -sm3 -verify pub.pem
     * -sigopt distid:1234567812345678}.
     */
    SM2DSA(KeySpec.SM2);

    private final KeySpec keySpec;

    SignatureAlgorithm(KeySpec keySpec) {
        this.keySpec = keySpec;
    }

    /** Whether this algorithm signs with a key pair of that spec. */
    public boolean fits(KeySpec spec) {
        return keySpec == spec;
    }
}
