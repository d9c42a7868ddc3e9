package org.opencmk.kms.command.lifecycle;

import java.time.Instant;
import org.opencmk.kms.events.KeyId;

/**
 * Delete the CMK for good because its pending window ended. Sent only by
 * {@link KeyDeletionSaga}; never reachable from the API (there is no immediate delete).
 */
public record DeleteKey(KeyId keyId, Instant requestedAt) {
}
