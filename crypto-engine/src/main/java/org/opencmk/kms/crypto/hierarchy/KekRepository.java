package org.opencmk.kms.crypto.hierarchy;

import java.util.Optional;
import org.opencmk.kms.events.KeyId;

/**
 * Where the reference to each CMK's key-encryption key is kept: outside the event store, because
 * deleting it is what crypto-shreds the CMK (DESIGN.md "Key hierarchy"). Backups of this store
 * keep deleted CMKs readable for as long as they are kept.
 *
 * <p>Implementations are thread-safe and shared by every node of the KMS.
 */
public interface KekRepository {

    /**
     * The reference of {@code keyId}'s KEK, if it has one. Called on the hot path after a cache
     * miss: it must answer from memory, never wait for I/O.
     */
    Optional<byte[]> find(KeyId keyId);

    /**
     * Stores the reference of a new KEK. Never replaces one: that would shred every version
     * already wrapped under the old KEK.
     *
     * @throws IllegalStateException if {@code keyId} already has a KEK
     */
    void save(KeyId keyId, byte[] kekReference);

    /**
     * Stops serving {@code keyId}'s reference from {@link #find} on this node, at once; what is
     * stored is left to {@link #delete}. Idempotent.
     */
    void forget(KeyId keyId);

    /** Deletes {@code keyId}'s reference, if any; the KEK is then gone for good. Idempotent. */
    void delete(KeyId keyId);
}
