package org.opencmk.kms.events;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What binds an EXTERNAL CMK to the first material imported into it: a keyed fingerprint of the
 * material (an HMAC under a key only the KMS holds, see {@code KeyHierarchy#fingerprintMaterial}),
 * never the material or a plain hash of it, which would let anyone holding the event store test
 * guesses of the material.
 */
public record MaterialFingerprint(byte[] bytes) {

    public MaterialFingerprint {
        Objects.requireNonNull(bytes, "bytes");
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Compared in constant time. */
    public boolean matches(MaterialFingerprint other) {
        return other != null && MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MaterialFingerprint that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "MaterialFingerprint[" + HexFormat.of().formatHex(bytes) + "]";
    }
}
