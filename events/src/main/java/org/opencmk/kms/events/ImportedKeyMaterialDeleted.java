package org.opencmk.kms.events;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * The imported material of an EXTERNAL CMK was removed, by DeleteImportedKeyMaterial
 * ({@code expired} false) or because its ValidTo came ({@code expired} true): the CMK is
 * {@link KeyState#PendingImport} (or stays pending deletion) and its ciphertexts cannot be
 * decrypted until the identical material is imported again. The CMK, its aliases and its metadata
 * stay.
 */
@Revision("1")
public record ImportedKeyMaterialDeleted(KeyId keyId, boolean expired, Instant deletedAt) {
}
