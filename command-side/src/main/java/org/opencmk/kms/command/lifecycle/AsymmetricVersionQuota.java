package org.opencmk.kms.command.lifecycle;

import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsException;

/**
 * How many asymmetric key versions an account may hold (CTyun guide 1.7: "非对称密钥：限制密钥的
 * 版本数量，同一用户在同一资源池最多创建50个版本"): every version of every live asymmetric key
 * counts, its first included; a deleted key's versions count no more.
 *
 * <p>Implementations take part in the command's transaction and serialise reservations of one
 * account on every node, so that concurrent CreateKey and CreateKeyVersion calls cannot together
 * pass the limit, and a command that fails later leaves no reservation behind.
 */
public interface AsymmetricVersionQuota {

    /** The default limit; operators may set another ({@code KMS_ASYMMETRIC_VERSION_LIMIT}). */
    int DEFAULT_LIMIT = 50;

    /**
     * Counts one more version of {@code keyId} against {@code account}'s limit.
     *
     * @throws KmsException {@link org.opencmk.kms.events.KmsError#KEY_VERSION_LIMIT_EXCEEDED} when
     *     the account already holds as many as it may
     */
    void reserve(AccountId account, KeyId keyId, KeyVersionId versionId);

    /** The key was deleted: its versions count no more. Idempotent. */
    void release(KeyId keyId);
}
