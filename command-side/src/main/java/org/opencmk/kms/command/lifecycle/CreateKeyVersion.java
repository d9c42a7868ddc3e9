package org.opencmk.kms.command.lifecycle;

import java.time.Instant;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;

/**
 * A new key pair as the newest version of an asymmetric key, made by hand (CTyun guide 1.3, 3.2.6
 * "创建密钥版本"; an extension of Tencent's API). Asymmetric keys never rotate on a schedule.
 */
public record CreateKeyVersion(KeyId keyId, AccountId account, KeyVersionId versionId, Instant requestedAt) {
}
