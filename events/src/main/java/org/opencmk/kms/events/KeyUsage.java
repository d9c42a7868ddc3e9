package org.opencmk.kms.events;

/** What a CMK may be used for, by Tencent's names. Constant names are persisted in events. */
public enum KeyUsage {
    ENCRYPT_DECRYPT,
    ASYMMETRIC_DECRYPT_RSA_2048,
    ASYMMETRIC_DECRYPT_SM2,
    ASYMMETRIC_SIGN_VERIFY_SM2,
    ASYMMETRIC_SIGN_VERIFY_RSA_2048,
    ASYMMETRIC_SIGN_VERIFY_ECC;

    public boolean isSymmetric() {
        return this == ENCRYPT_DECRYPT;
    }
}
