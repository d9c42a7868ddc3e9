package org.opencmk.kms.crypto.material;

import java.util.Objects;
import org.opencmk.kms.crypto.SecretBytes;

/**
 * A fresh wrapping key pair, owned by the caller: the public key as DER {@code
 * SubjectPublicKeyInfo} (what the user gets, base64-encoded, and feeds to {@code openssl ...
 * -keyform DER -pubin}), the private key as PKCS#8 DER. {@link #close()} destroys the private key;
 * {@link #toString()} shows neither key's bytes.
 *
 * <p>The public key array is copied in and out, so that nobody can change the key another holder
 * sees. Equality is that of the record's components: identity for both arrays and the secret.
 */
public record WrappingKeyPair(byte[] publicKey, SecretBytes privateKey) implements AutoCloseable {

    public WrappingKeyPair {
        publicKey = Objects.requireNonNull(publicKey, "publicKey").clone();
        Objects.requireNonNull(privateKey, "privateKey");
    }

    /** The DER {@code SubjectPublicKeyInfo}; a copy. */
    @Override
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** Destroys the private key. Idempotent. */
    @Override
    public void close() {
        privateKey.destroy();
    }

    @Override
    public String toString() {
        return "WrappingKeyPair[publicKey=" + publicKey.length + " bytes, privateKey=redacted]";
    }
}
