package org.opencmk.kms.events;

import java.time.Duration;
import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * The CMK rotates on a schedule (CTyun guide 3.2.6; Tencent EnableKeyRotation): every
 * {@code period} a new primary version, the first at {@code nextRotateTime}. Enabling again
 * replaces the schedule.
 *
 * @param rotateDays the period as the caller gave it, in days
 * @param period the period in time: {@code rotateDays} days (shorter only where a test shortened
 *     the day with {@code KMS_DAY_LENGTH})
 */
@Revision("1")
public record KeyRotationEnabled(KeyId keyId, int rotateDays, Duration period, Instant nextRotateTime) {
}
