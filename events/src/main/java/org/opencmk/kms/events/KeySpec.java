package org.opencmk.kms.events;

/**
 * The kind of key material a CMK holds. Constant names are persisted in events.
 */
public enum KeySpec {
    /** 256-bit AES material, used with AES-256-GCM. */
    AES_256(32),
    /** 128-bit SM4 material (GB/T 32907), used with SM4-GCM. */
    SM4(16),
    /** An RSA key pair with a 2048-bit modulus; the private key rests as PKCS#8. */
    RSA_2048(0),
    /** An SM2 key pair on sm2p256v1 (GB/T 32918); the private key rests as PKCS#8. */
    SM2(0),
    /** An ECDSA key pair on NIST P-256 (secp256r1); the private key rests as PKCS#8. */
    ECC_P256(0);

    private final int materialLength;

    KeySpec(int materialLength) {
        this.materialLength = materialLength;
    }

    /**
     * Length in bytes of one version's material (also the length an import must have); 0 for a
     * key pair, whose private key's encoding has no fixed length.
     */
    public int materialLength() {
        return materialLength;
    }

    public boolean isSymmetric() {
        return materialLength > 0;
    }
}
