package org.opencmk.kms.crypto.asymmetric;

import java.util.Objects;
import org.opencmk.kms.crypto.SecretBytes;

/**
 * A fresh key pair, owned by the caller: the public key as DER {@code SubjectPublicKeyInfo} (what
 * GetParametersForImport and GetPublicKey answer base64-encoded, and what {@code openssl ...
 * -keyform DER -pubin} reads), the private key as PKCS#8 DER. {@link #close()} destroys the private key;
 * {@link #toString()} shows neither key's bytes.
 *
 * <p>The public key array is copied in and out, so that nobody can change the key another holder
 * sees. Equality is that of the record's components: identity for both arrays and the secret.
 */
public record EncodedKeyPair(byte[] publicKey, SecretBytes privateKey) implements AutoCloseable {

    public EncodedKeyPair {
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
        return "EncodedKeyPair[publicKey=" + publicKey.length + " bytes, privateKey=redacted]";
    }
}
