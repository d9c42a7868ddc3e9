package org.opencmk.kms.events;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * One key version's material as it may rest in an event: encrypted under the CMK's
 * key-encryption key, which is not in the event store. Destroying that key-encryption key makes
 * these bytes unreadable for good (crypto-shredding).
 */
public record WrappedKeyMaterial(byte[] bytes) {

    public WrappedKeyMaterial {
        Objects.requireNonNull(bytes, "bytes");
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WrappedKeyMaterial that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "WrappedKeyMaterial[" + Base64.getEncoder().encodeToString(bytes) + "]";
    }
}
