package org.opencmk.kms.command.rotation;

import java.time.Instant;
import org.opencmk.kms.events.KeyId;

/**
 * The scheduled rotation due at {@code dueAt} came. Sent only by {@link KeyRotationSaga}; a
 * deadline of a schedule since replaced or disabled names another time and changes nothing.
 */
public record RotateKeyOnSchedule(KeyId keyId, Instant dueAt, Instant requestedAt) {
}
