package org.opencmk.kms.events;

import java.util.Objects;
import java.util.UUID;

/**
 * Identifier of one version of a CMK's key material. Every ciphertext names the version that made
 * it, so rotation never strands old ciphertexts.
 */
public record KeyVersionId(String value) {

    public KeyVersionId {
        Objects.requireNonNull(value, "value");
        if (!KeyId.isCanonical(value)) {
            throw new IllegalArgumentException("not a key version id: " + value);
        }
    }

    public static KeyVersionId random() {
        return new KeyVersionId(UUID.randomUUID().toString());
    }

    public static KeyVersionId of(UUID uuid) {
        return new KeyVersionId(uuid.toString());
    }

    public UUID uuid() {
        return UUID.fromString(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
