package org.opencmk.kms.events;

import java.util.Map;

/**
 * One API call as the KMS records it (issue 15; seed 004: "内置审计…可记录所有 API 请求"): every
 * call, management and cryptographic, answered or refused, authentication failures included. It
 * is committed to the KMS's database before the call is answered, written as one JSON line to the
 * {@code kms.audit} logger, and published as a JSON object to the audit topic. The JSON object has
 * exactly these field names; absent (null) fields are left out. Never plaintext, key material,
 * data keys, import tokens, signatures' messages, ciphertexts or secrets. A NUL character in a
 * value the caller chose is written as U+FFFD (PostgreSQL's jsonb cannot hold U+0000).
 *
 * @param schemaVersion {@value #SCHEMA_VERSION}; a consumer refuses a higher one it does not know
 * @param recordId unique per record (a UUID): a record delivered twice is the same record
 * @param time when the call was answered, ISO-8601 in UTC (e.g. {@code 2026-11-30T17:31:02.123Z})
 * @param requestId the {@code RequestId} the caller was answered with
 * @param action the action as the caller named it (it may not exist); cut to 128 characters
 * @param accountId the caller's account, once authenticated
 * @param secretId the SecretId the call was signed with (as sent, even if unknown); cut to 128
 * @param sourceAddress the caller's IP address as the server saw it
 * @param keyId the key the call used or changed, resolved (the key behind an alias, the key a
 *     ciphertext named, a new key's id; ReEncrypt's destination)
 * @param keyVersionId the version of {@code keyId} used
 * @param sourceKeyId ReEncrypt's source key
 * @param sourceKeyVersionId the version of {@code sourceKeyId} used
 * @param targetAccount an administrative action's account
 * @param targetSecretId an administrative action's credential
 * @param requestedKey for a call that resolved no key: the key id or alias it named, as sent
 * @param outcome {@code Success}, or the error code answered
 * @param micros how long the call took to answer, in microseconds (without the audit commit)
 * @param parameters the call's non-secret parameters by their API names (KeyId, Algorithm,
 *     MessageType, KeySpec, EncryptionContext, …); never Plaintext, Message, CiphertextBlob,
 *     Ciphertext, SignatureValue, EncryptedKeyMaterial, ImportToken, EncryptionPublicKey or a
 *     SecretKey
 */
public record AuditRecord(
        int schemaVersion,
        String recordId,
        String time,
        String requestId,
        String action,
        Long accountId,
        String secretId,
        String sourceAddress,
        String keyId,
        String keyVersionId,
        String sourceKeyId,
        String sourceKeyVersionId,
        Long targetAccount,
        String targetSecretId,
        String requestedKey,
        String outcome,
        long micros,
        Map<String, Object> parameters) {

    public static final int SCHEMA_VERSION = 1;
    /** The outcome of a call that succeeded; otherwise the outcome is the error code. */
    public static final String SUCCESS = "Success";
}
