package org.opencmk.kms.command.lifecycle;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;

public record UpdateKeyDescription(@TargetAggregateIdentifier KeyId keyId, AccountId account, String description) {
}
