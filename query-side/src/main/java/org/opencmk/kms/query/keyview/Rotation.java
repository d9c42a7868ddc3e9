package org.opencmk.kms.query.keyview;

import java.time.Instant;

/**
 * A CMK's rotation, as DescribeKey and GetKeyRotationStatus show it.
 *
 * @param rotateDays the schedule's period in days, 0 when rotation was never enabled
 * @param nextRotateTime when the next scheduled rotation is due, null when off
 * @param lastRotateTime when the newest version that is not the first was made, null if none
 */
public record Rotation(boolean enabled, int rotateDays, Instant nextRotateTime, Instant lastRotateTime) {

    public static final Rotation NONE = new Rotation(false, 0, null, null);
}
