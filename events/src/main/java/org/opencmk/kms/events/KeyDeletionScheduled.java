package org.opencmk.kms.events;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * The CMK is {@link KeyState#PendingDelete}: it refuses every operation, and at
 * {@code deletionDate} it is deleted for good unless the deletion is cancelled first
 * (CTyun guide 3.2.7).
 */
@Revision("1")
public record KeyDeletionScheduled(KeyId keyId, int pendingWindowInDays, Instant deletionDate) {
}
