package org.opencmk.kms.server.audit;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;

/**
 * What a call acted on, as its result resolved it: the KeyId behind an alias, the version a
 * ciphertext named, a new key's id, an administrative action's target. Every field may be null.
 *
 * @param keyId the key used or changed (for ReEncrypt, the destination)
 * @param sourceKeyId ReEncrypt's source key
 * @param targetAccount an administrative action's account
 * @param targetSecretId an administrative action's credential
 */
public record AuditSubject(String keyId, String keyVersionId, String sourceKeyId, String sourceKeyVersionId,
                           Long targetAccount, String targetSecretId) {

    public static final AuditSubject NONE = new AuditSubject(null, null, null, null, null, null);

    /** A result that tells what it acted on; the audit record takes it from there. */
    public interface Carrier {
        @JsonIgnore
        AuditSubject auditSubject();
    }

    public static AuditSubject key(KeyId keyId) {
        return new AuditSubject(keyId.value(), null, null, null, null, null);
    }

    public static AuditSubject key(KeyId keyId, KeyVersionId versionId) {
        return new AuditSubject(keyId.value(), versionId == null ? null : versionId.value(), null, null, null, null);
    }

    public static AuditSubject reEncrypted(KeyId source, KeyVersionId sourceVersion, KeyId destination,
                                           KeyVersionId destinationVersion) {
        return new AuditSubject(destination.value(), destinationVersion.value(), source.value(), sourceVersion.value(),
                null, null);
    }

    public static AuditSubject credential(long account, String secretId) {
        return new AuditSubject(null, null, null, null, account, secretId);
    }

    public static AuditSubject account(long account) {
        return new AuditSubject(null, null, null, null, account, null);
    }
}
