package org.opencmk.kms.events;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * A CMK came into being. A KMS-origin key is followed at once by its first
 * {@link KeyVersionCreated}; an {@link Origin#EXTERNAL} key starts in
 * {@link KeyState#PendingImport} with no material (seed 000, step 1).
 */
@Revision("1")
public record KeyCreated(
        KeyId keyId,
        AccountId account,
        KeySpec keySpec,
        KeyUsage keyUsage,
        Origin origin,
        ProtectionLevel protectionLevel,
        String description,
        KeyState initialState,
        Instant createdAt) {
}
