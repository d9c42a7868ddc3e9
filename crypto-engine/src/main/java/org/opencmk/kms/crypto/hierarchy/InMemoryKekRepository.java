package org.opencmk.kms.crypto.hierarchy;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.opencmk.kms.events.KeyId;

/**
 * KEK references in a map, for tests only: on restart every reference, and so every CMK, is lost.
 */
public final class InMemoryKekRepository implements KekRepository {

    private final Map<KeyId, byte[]> references = new ConcurrentHashMap<>();

    @Override
    public Optional<byte[]> find(KeyId keyId) {
        return Optional.ofNullable(references.get(keyId)).map(byte[]::clone);
    }

    @Override
    public void save(KeyId keyId, byte[] kekReference) {
        if (references.putIfAbsent(keyId, kekReference.clone()) != null) {
            throw new IllegalStateException("key " + keyId + " already has a key-encryption key");
        }
    }

    @Override
    public void forget(KeyId keyId) {
        references.remove(keyId);
    }

    @Override
    public void delete(KeyId keyId) {
        references.remove(keyId);
    }
}
