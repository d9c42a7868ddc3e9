package org.opencmk.kms.command.material;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.opencmk.kms.events.KeyId;

/**
 * Remove imported material whose ValidTo came. Sent only by {@link ImportedMaterialExpirySaga};
 * {@code validTo} names the import the deadline was set for, so a deadline that raced with a
 * re-import (which moved or cleared ValidTo) changes nothing.
 */
public record ExpireImportedKeyMaterial(@TargetAggregateIdentifier KeyId keyId, Instant validTo,
                                        Instant requestedAt) {
}
