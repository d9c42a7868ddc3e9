package org.opencmk.kms.events;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * A scheduled rotation came (the CMK rotated, or, if it was not Enabled then, skipped this
 * period): the next one is at {@code nextRotateTime}.
 *
 * @param rotated whether a new primary version was made at this turn
 */
@Revision("1")
public record NextKeyRotationScheduled(KeyId keyId, boolean rotated, Instant nextRotateTime) {
}
