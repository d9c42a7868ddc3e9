package org.opencmk.kms.events;

/**
 * Why the KMS refused a request, in the domain's words. Errors cross the command bus and the
 * query path as these values, never as message text; the protocol edge maps each one to its
 * wire code (Tencent {@code Error.Code}) in exactly one place.
 */
public enum KmsError {
    /** No such CMK for this account: never existed, deleted, or another account's. */
    KEY_NOT_FOUND,
    KEY_DISABLED,
    KEY_PENDING_DELETE,
    KEY_PENDING_IMPORT,
    /** The operation does not fit the key's current state (e.g. enabling a key pending deletion). */
    KEY_STATE_NOT_SUPPORTED,
    KEY_NOT_PENDING_DELETE,
    /** The key's usage does not allow the operation (e.g. encrypting with a signing key). */
    KEY_USAGE_NOT_SUPPORTED,
    INVALID_PENDING_WINDOW,
    ALIAS_ALREADY_EXISTS,
    ALIAS_NOT_FOUND,
    INVALID_ALIAS,
    INVALID_KEY_ID,
    INVALID_KEY_USAGE,
    INVALID_KEY_SPEC,
    INVALID_TYPE,
    INVALID_PLAINTEXT,
    INVALID_CIPHERTEXT,
    /** The ciphertext is well formed but does not authenticate (wrong context, tampered). */
    DECRYPT_FAILED,
    UNSUPPORTED_OPERATION,
    INVALID_PARAMETER_VALUE,
    MISSING_PARAMETER,
    INVALID_PARAMETER,
    UNAUTHORIZED_OPERATION,
    /** Rotation of an EXTERNAL key: its one material is bound to it for life (seed 003 §"导入密钥材料"). */
    EXTERNAL_KEY_CANNOT_ROTATE,
    /** An import action on a key whose material the KMS made (seed 000: EXTERNAL keys only). */
    NOT_EXTERNAL_KEY,
    /** The ImportToken was never issued (or is not one at all). */
    IMPORT_TOKEN_INVALID,
    /** The ImportToken was issued for another CMK. */
    IMPORT_TOKEN_OF_ANOTHER_KEY,
    /** A newer GetParametersForImport of the CMK replaced the ImportToken and its wrapping key. */
    IMPORT_TOKEN_SUPERSEDED,
    /** The ImportToken's 24 hours are over. */
    IMPORT_TOKEN_EXPIRED,
    /** EncryptedKeyMaterial does not decrypt with the token's wrapping key and algorithm. */
    KEY_MATERIAL_UNREADABLE,
    /** The material decrypted, but its length is not the CMK's (AES_256: 32 bytes, SM4: 16). */
    KEY_MATERIAL_LENGTH_INVALID,
    /** The CMK is bound to other material: only the identical material may be imported again. */
    KEY_MATERIAL_NOT_MATCH,
    ACCOUNT_NOT_FOUND,
    /** The named KeyVersionId is not a version of the key. */
    KEY_VERSION_NOT_FOUND,
    /** The account holds as many asymmetric key versions as it may (CTyun guide 1.7: 50). */
    KEY_VERSION_LIMIT_EXCEEDED,
    /** The algorithm is unknown, or does not fit the key's spec (e.g. SM2DSA with an RSA key). */
    ALGORITHM_NOT_FOR_KEY,
    /** EncryptionPublicKey is no PEM public key, or not one the EncryptionAlgorithm works with. */
    INVALID_ENCRYPTION_PUBLIC_KEY,
    /** ProtectionLevel HSM asked of a server with no HSM configured. */
    HSM_NOT_CONFIGURED,
    /** The HSM's token does not offer the key spec (SoftHSM2: SM2, SM4). */
    NOT_SUPPORTED_BY_HSM
}
