package org.opencmk.kms.command.rotation;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;

public record DisableKeyRotation(@TargetAggregateIdentifier KeyId keyId, AccountId account) {
}
