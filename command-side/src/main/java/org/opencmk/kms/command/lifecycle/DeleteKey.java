package org.opencmk.kms.command.lifecycle;

import java.time.Instant;
import org.opencmk.kms.events.KeyId;

/**
 * Delete the CMK for good because the pending window that ends at {@code deletionDate} ended.
 * Sent only by {@link KeyDeletionSaga}; never reachable from the API (there is no immediate
 * delete). A deadline of a cancelled schedule names that schedule's date, so it cannot delete a
 * key that was scheduled again for a later date.
 */
public record DeleteKey(KeyId keyId, Instant deletionDate, Instant requestedAt) {
}
