package org.opencmk.kms.events;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * New key material became a version of the CMK and, for symmetric keys, its primary version: the
 * one Encrypt and GenerateDataKey use from now on. Older versions keep decrypting.
 */
@Revision("1")
public record KeyVersionCreated(
        KeyId keyId,
        KeyVersionId versionId,
        WrappedKeyMaterial material,
        boolean primary,
        Instant createdAt) {
}
