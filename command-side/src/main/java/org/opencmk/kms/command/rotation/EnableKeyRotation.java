package org.opencmk.kms.command.rotation;

import java.time.Duration;
import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;

/** Rotate every {@code rotateDays} days ({@code period} in time), the first time one period from now. */
public record EnableKeyRotation(@TargetAggregateIdentifier KeyId keyId, AccountId account, int rotateDays,
                                Duration period, Instant requestedAt) {
}
