package org.opencmk.kms.query.keyview;

import java.time.Instant;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyId;

/**
 * An alias and the CMK it names.
 *
 * @param createdAt when the alias was created (re-pointing keeps it)
 * @param order the registry's sequence number at creation: a key's first alias has the lowest
 */
public record AliasRecord(AliasName alias, KeyId keyId, Instant createdAt, long order) {
}
