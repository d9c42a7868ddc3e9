package org.opencmk.kms.query.keyview;

import java.time.Instant;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.WrappedKeyMaterial;

/** One version of a CMK's material, wrapped under the CMK's key-encryption key. */
public record KeyVersion(KeyVersionId id, WrappedKeyMaterial material, Instant createdAt) {
}
