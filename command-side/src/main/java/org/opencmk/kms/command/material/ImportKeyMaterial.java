package org.opencmk.kms.command.material;

import java.time.Instant;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.MaterialFingerprint;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * Make imported material the material of the EXTERNAL CMK's one version.
 *
 * @param material the material already wrapped under the CMK's key-encryption key for {@code versionId}
 * @param fingerprint the material's keyed fingerprint, which must match the one the CMK is bound to
 * @param validTo when it expires, or null for never
 */
public record ImportKeyMaterial(@TargetAggregateIdentifier KeyId keyId, AccountId account, KeyVersionId versionId,
                                WrappedKeyMaterial material, MaterialFingerprint fingerprint, Instant validTo,
                                Instant requestedAt) {
}
