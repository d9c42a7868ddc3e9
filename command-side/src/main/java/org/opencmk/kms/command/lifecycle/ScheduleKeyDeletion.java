package org.opencmk.kms.command.lifecycle;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;

/**
 * Put the CMK in its pending window. {@code deletionDate} is computed by the caller from the
 * window and the configured length of a day (shortened only in tests); the aggregate checks the
 * window's bounds.
 */
public record ScheduleKeyDeletion(
        @TargetAggregateIdentifier KeyId keyId, AccountId account, int pendingWindowInDays, Instant deletionDate) {
}
