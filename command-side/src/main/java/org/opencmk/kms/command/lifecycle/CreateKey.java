package org.opencmk.kms.command.lifecycle;

import java.time.Instant;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;

/**
 * Create a CMK, and with {@code alias} (nullable) its first alias, in one unit of work: either
 * both exist afterwards or neither does.
 */
public record CreateKey(
        KeyId keyId,
        AccountId account,
        KeySpec keySpec,
        KeyUsage keyUsage,
        Origin origin,
        ProtectionLevel protectionLevel,
        String description,
        AliasName alias,
        Instant requestedAt) {
}
