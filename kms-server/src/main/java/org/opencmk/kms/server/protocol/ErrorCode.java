package org.opencmk.kms.server.protocol;

import org.opencmk.kms.events.KmsError;

/**
 * Every error code the server answers with, by Tencent Cloud API 3.0 name. The domain's
 * {@link KmsError} is mapped here, once; the README lists them all.
 */
public enum ErrorCode {
    AUTH_INVALID_AUTHORIZATION("AuthFailure.InvalidAuthorization"),
    AUTH_SECRET_ID_NOT_FOUND("AuthFailure.SecretIdNotFound"),
    AUTH_SIGNATURE_EXPIRE("AuthFailure.SignatureExpire"),
    AUTH_SIGNATURE_FAILURE("AuthFailure.SignatureFailure"),
    REQUEST_LIMIT_EXCEEDED("RequestLimitExceeded"),
    REQUEST_SIZE_LIMIT_EXCEEDED("RequestSizeLimitExceeded"),
    INVALID_ACTION("InvalidAction"),
    NO_SUCH_VERSION("NoSuchVersion"),
    UNKNOWN_PARAMETER("UnknownParameter"),
    INVALID_PARAMETER("InvalidParameter"),
    INVALID_PARAMETER_VALUE("InvalidParameterValue"),
    MISSING_PARAMETER("MissingParameter"),
    UNSUPPORTED_OPERATION("UnsupportedOperation"),
    UNAUTHORIZED_OPERATION("UnauthorizedOperation"),
    RESOURCE_NOT_FOUND("ResourceNotFound"),
    RESOURCE_IN_USE("ResourceInUse"),
    INTERNAL_ERROR("InternalError"),
    CMK_NOT_FOUND("ResourceUnavailable.CmkNotFound"),
    CMK_DISABLED("ResourceUnavailable.CmkDisabled"),
    CMK_STATE_NOT_SUPPORT("ResourceUnavailable.CmkStateNotSupport"),
    CMK_NOT_PENDING_DELETE("ResourceUnavailable.CmkNotPendingDelete"),
    INVALID_PENDING_WINDOW_IN_DAYS("InvalidParameter.InvalidPendingWindowInDays"),
    ALIAS_ALREADY_EXISTS("InvalidParameterValue.AliasAlreadyExists"),
    INVALID_ALIAS("InvalidParameterValue.InvalidAlias"),
    INVALID_KEY_ID("InvalidParameterValue.InvalidKeyId"),
    INVALID_KEY_USAGE("InvalidParameterValue.InvalidKeyUsage"),
    INVALID_TYPE("InvalidParameterValue.InvalidType"),
    INVALID_PLAINTEXT("InvalidParameterValue.InvalidPlaintext"),
    INVALID_CIPHERTEXT("InvalidParameterValue.InvalidCiphertext"),
    DECRYPT_ERROR("FailedOperation.DecryptError"),
    NOT_EXTERNAL_CMK("UnsupportedOperation.NotExternalCmk"),
    EXTERNAL_CMK_CAN_NOT_ROTATE("UnsupportedOperation.ExternalCmkCanNotRotate"),
    INVALID_IMPORT_TOKEN("InvalidParameterValue.InvalidImportToken"),
    IMPORT_TOKEN_KEY_MISMATCH("InvalidParameterValue.ImportTokenKeyMismatch"),
    TOKEN_SUPERSEDED("ResourceUnavailable.TokenSuperseded"),
    TOKEN_EXPIRED("ResourceUnavailable.TokenExpired"),
    DECRYPT_MATERIAL_ERROR("InvalidParameter.DecryptMaterialError"),
    INVALID_KEY_MATERIAL_LENGTH("InvalidParameterValue.InvalidKeyMaterialLength"),
    MATERIAL_NOT_MATCH("InvalidParameterValue.MaterialNotMatch"),
    KEY_VERSION_NOT_FOUND("ResourceUnavailable.KeyVersionNotFound"),
    KEY_LIMIT_EXCEEDED("LimitExceeded.KeyLimitExceeded"),
    INVALID_ALGORITHM("InvalidParameterValue.InvalidAlgorithm"),
    INVALID_ENCRYPTION_PUBLIC_KEY("InvalidParameterValue.InvalidEncryptionPublicKey"),
    /** The HSM that holds the key cannot be reached now (token removed, library or PIN failure); retry later. */
    SERVICE_TEMPORARY_UNAVAILABLE("UnsupportedOperation.ServiceTemporaryUnavailable"),
    /** ProtectionLevel HSM (or an HsmClusterId) on a server with no HSM configured. */
    HSM_NOT_CONFIGURED("UnsupportedOperation.HsmNotConfigured"),
    /** A key spec or algorithm the HSM's token does not offer (SoftHSM2: SM2, SM4). */
    NOT_SUPPORTED_BY_HSM("UnsupportedOperation.NotSupportedByHsm");

    private final String code;

    ErrorCode(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static ErrorCode of(KmsError error) {
        return switch (error) {
            case KEY_NOT_FOUND -> CMK_NOT_FOUND;
            case KEY_DISABLED -> CMK_DISABLED;
            case KEY_PENDING_DELETE, KEY_PENDING_IMPORT, KEY_STATE_NOT_SUPPORTED -> CMK_STATE_NOT_SUPPORT;
            case KEY_NOT_PENDING_DELETE -> CMK_NOT_PENDING_DELETE;
            case UNSUPPORTED_OPERATION -> UNSUPPORTED_OPERATION;
            case INVALID_PENDING_WINDOW -> INVALID_PENDING_WINDOW_IN_DAYS;
            case ALIAS_ALREADY_EXISTS -> ALIAS_ALREADY_EXISTS;
            case ALIAS_NOT_FOUND, ACCOUNT_NOT_FOUND -> RESOURCE_NOT_FOUND;
            case INVALID_ALIAS -> INVALID_ALIAS;
            case INVALID_KEY_ID -> INVALID_KEY_ID;
            // Tencent's code for a key whose KeyUsage does not allow the call, as AWS's InvalidKeyUsageException
            case INVALID_KEY_USAGE, KEY_USAGE_NOT_SUPPORTED -> INVALID_KEY_USAGE;
            case INVALID_KEY_SPEC, INVALID_PARAMETER_VALUE -> INVALID_PARAMETER_VALUE;
            case INVALID_TYPE -> INVALID_TYPE;
            case INVALID_PLAINTEXT -> INVALID_PLAINTEXT;
            case INVALID_CIPHERTEXT -> INVALID_CIPHERTEXT;
            case DECRYPT_FAILED -> DECRYPT_ERROR;
            case MISSING_PARAMETER -> MISSING_PARAMETER;
            case INVALID_PARAMETER -> INVALID_PARAMETER;
            case UNAUTHORIZED_OPERATION -> UNAUTHORIZED_OPERATION;
            case NOT_EXTERNAL_KEY -> NOT_EXTERNAL_CMK;
            case EXTERNAL_KEY_CANNOT_ROTATE -> EXTERNAL_CMK_CAN_NOT_ROTATE;
            case IMPORT_TOKEN_INVALID -> INVALID_IMPORT_TOKEN;
            case IMPORT_TOKEN_OF_ANOTHER_KEY -> IMPORT_TOKEN_KEY_MISMATCH;
            case IMPORT_TOKEN_SUPERSEDED -> TOKEN_SUPERSEDED;
            case IMPORT_TOKEN_EXPIRED -> TOKEN_EXPIRED;
            case KEY_MATERIAL_UNREADABLE -> DECRYPT_MATERIAL_ERROR;
            case KEY_MATERIAL_LENGTH_INVALID -> INVALID_KEY_MATERIAL_LENGTH;
            case KEY_MATERIAL_NOT_MATCH -> MATERIAL_NOT_MATCH;
            case KEY_VERSION_NOT_FOUND -> KEY_VERSION_NOT_FOUND;
            case KEY_VERSION_LIMIT_EXCEEDED -> KEY_LIMIT_EXCEEDED;
            case ALGORITHM_NOT_FOR_KEY -> INVALID_ALGORITHM;
            case INVALID_ENCRYPTION_PUBLIC_KEY -> INVALID_ENCRYPTION_PUBLIC_KEY;
            case HSM_NOT_CONFIGURED -> HSM_NOT_CONFIGURED;
            case NOT_SUPPORTED_BY_HSM -> NOT_SUPPORTED_BY_HSM;
        };
    }
}
