package org.opencmk.kms.events;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * New key material became a version of the CMK. For a symmetric key it is the new primary
 * version, the one Encrypt and GenerateDataKey use from now on; older versions keep decrypting.
 * For an asymmetric key it is a new key pair: {@code material} is its private key, {@code
 * publicKey} its public key, and there is no primary ({@code primary} false): calls name a version
 * or take the newest.
 *
 * @param publicKey the key pair's public key; null for a symmetric version (and absent from every
 *     event written before asymmetric keys, which reads as null)
 */
@Revision("1")
public record KeyVersionCreated(
        KeyId keyId,
        KeyVersionId versionId,
        WrappedKeyMaterial material,
        boolean primary,
        Instant createdAt,
        PublicKeyDer publicKey) {

    /** A symmetric version. */
    public KeyVersionCreated(KeyId keyId, KeyVersionId versionId, WrappedKeyMaterial material, boolean primary,
            Instant createdAt) {
        this(keyId, versionId, material, primary, createdAt, null);
    }
}
