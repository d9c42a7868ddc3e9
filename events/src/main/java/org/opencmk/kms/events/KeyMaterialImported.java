package org.opencmk.kms.events;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * Material the user wrapped with an import wrapping key became the material of an EXTERNAL CMK's
 * one version (seed 000, step 4): the first import binds the CMK to it forever; a later one brings
 * the identical material back (after its deletion or expiry) or sets a new {@code validTo}. A key
 * pending import becomes {@link KeyState#Enabled}.
 *
 * @param material the material wrapped under the CMK's key-encryption key, never in plaintext
 * @param validTo when the material expires and is removed, or null for never
 */
@Revision("1")
public record KeyMaterialImported(
        KeyId keyId,
        KeyVersionId versionId,
        WrappedKeyMaterial material,
        MaterialFingerprint fingerprint,
        Instant validTo,
        Instant importedAt) {
}
