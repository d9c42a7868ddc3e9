package org.opencmk.kms.events;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * An asymmetric key version's public key as DER SubjectPublicKeyInfo (RFC 5280), what
 * GetPublicKey answers. Public: it may rest in events and be shown to anyone who may use the key.
 */
public record PublicKeyDer(byte[] der) {

    public PublicKeyDer {
        Objects.requireNonNull(der, "der");
        der = der.clone();
    }

    @Override
    public byte[] der() {
        return der.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PublicKeyDer that && Arrays.equals(der, that.der);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(der);
    }

    @Override
    public String toString() {
        return "PublicKeyDer[" + Base64.getEncoder().encodeToString(der) + "]";
    }
}
