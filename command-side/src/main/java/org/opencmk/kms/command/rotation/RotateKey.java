package org.opencmk.kms.command.rotation;

import java.time.Instant;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;

/** Make a new primary version now (Tencent RotateKey); {@code versionId} names it. */
public record RotateKey(KeyId keyId, AccountId account, KeyVersionId versionId, Instant requestedAt) {
}
