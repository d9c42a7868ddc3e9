package org.opencmk.kms.command.material;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;

/** Remove the imported material of an EXTERNAL CMK now (Tencent DeleteImportedKeyMaterial). */
public record DeleteImportedKeyMaterial(@TargetAggregateIdentifier KeyId keyId, AccountId account,
                                        Instant requestedAt) {
}
