package org.opencmk.kms.events;

/** What a CMK may be used for, by Tencent's names. Constant names are persisted in events. */
public enum KeyUsage {
    ENCRYPT_DECRYPT(null),
    ASYMMETRIC_DECRYPT_RSA_2048(KeySpec.RSA_2048),
    ASYMMETRIC_DECRYPT_SM2(KeySpec.SM2),
    ASYMMETRIC_SIGN_VERIFY_SM2(KeySpec.SM2),
    ASYMMETRIC_SIGN_VERIFY_RSA_2048(KeySpec.RSA_2048),
    ASYMMETRIC_SIGN_VERIFY_ECC(KeySpec.ECC_P256);

    private final KeySpec keyPairSpec;

    KeyUsage(KeySpec keyPairSpec) {
        this.keyPairSpec = keyPairSpec;
    }

    public boolean isSymmetric() {
        return this == ENCRYPT_DECRYPT;
    }

    /** An asymmetric usage names its key pair's spec; ENCRYPT_DECRYPT keys choose theirs (null here). */
    public KeySpec keyPairSpec() {
        return keyPairSpec;
    }

    /** Whether the key signs and verifies (SignByAsymmetricKey, VerifyByAsymmetricKey). */
    public boolean signs() {
        return name().startsWith("ASYMMETRIC_SIGN_VERIFY_");
    }

    /** Whether the key decrypts what its public key encrypted (AsymmetricRsaDecrypt, AsymmetricSm2Decrypt). */
    public boolean decryptsAsymmetrically() {
        return name().startsWith("ASYMMETRIC_DECRYPT_");
    }
}
