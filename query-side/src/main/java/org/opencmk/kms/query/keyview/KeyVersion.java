package org.opencmk.kms.query.keyview;

import java.time.Instant;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.PublicKeyDer;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * One version of a CMK's material, wrapped under the CMK's key-encryption key (an asymmetric
 * version's private key), and for an asymmetric version its public key (null for a symmetric one).
 */
public record KeyVersion(KeyVersionId id, WrappedKeyMaterial material, Instant createdAt, PublicKeyDer publicKey) {

    /** A symmetric version. */
    public KeyVersion(KeyVersionId id, WrappedKeyMaterial material, Instant createdAt) {
        this(id, material, createdAt, null);
    }
}
