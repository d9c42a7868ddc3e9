package org.opencmk.kms.crypto;

import static org.opencmk.kms.crypto.SymmetricAlgorithm.NONCE_LENGTH;
import static org.opencmk.kms.crypto.SymmetricAlgorithm.TAG_LENGTH;

import java.util.Arrays;
import java.util.Objects;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;

/**
 * Authenticated encryption by intent: {@link #encrypt encrypt} data under one key version into a
 * {@link CiphertextBlob}, {@link #wrap wrap} a secret under a wrapping key for storage.
 *
 * <p>Guarantees: confidentiality and integrity of the plaintext, and integrity of everything the
 * ciphertext is bound to (key id, version id, algorithm and encryption context for a blob; the
 * caller's associated data for a wrapped secret). Every failure to decrypt or unwrap is the same
 * {@link DecryptionFailedException}, whatever the cause.
 *
 * <p>Nonces are random. NIST SP 800-38D bounds random 12-byte nonces to 2<sup>32</sup>
 * encryptions per key, which one key version would reach within hours at full hot-path speed. So
 * a blob is encrypted under a key of its own, derived from the material and half of a 24-byte
 * nonce (see {@link CiphertextBlob}); nothing needs counting, and a version, or imported material
 * that never rotates, can serve any number of messages. Wrapped secrets keep 12-byte nonces under
 * the wrapping key directly: a key-encryption key wraps a handful of secrets, not billions.
 *
 * <p>Thread-safe and stateless, apart from the per-thread ciphers (see {@link JdkGcm} and {@link
 * MessageKeyDerivation}).
 * Written for the hot path: the payload is encrypted straight into the one output array.
 */
public final class SymmetricCipher {

    /**
     * Format version of {@link #wrap wrapped secrets}. Version 2 has version 1's layout; the
     * version byte is authenticated, so it tells a keystore which associated data the secret was
     * wrapped with (version 2: bound to the owning account as well) and cannot be changed.
     */
    public static final byte WRAPPED_FORMAT_VERSION = 2;
    /** The format written before owning accounts were bound into wrapped material; still read. */
    public static final byte WRAPPED_FORMAT_VERSION_1 = 1;
    private static final int WRAPPED_HEADER_LENGTH = 2 + NONCE_LENGTH;
    /** Bytes {@link #wrap} adds to a secret. */
    public static final int WRAPPED_OVERHEAD = WRAPPED_HEADER_LENGTH + TAG_LENGTH;

    /**
     * Encrypts {@code plaintext} under one key version's material.
     *
     * @param context the encryption context in canonical bytes, an empty array when none; the
     *     same bytes are needed to decrypt
     * @return the ciphertext blob's bytes (see {@link CiphertextBlob} for the layout)
     * @throws IllegalArgumentException if the material does not have the algorithm's key length
     */
    public byte[] encrypt(SecretBytes material, SymmetricAlgorithm algorithm, KeyId keyId, KeyVersionId versionId,
            byte[] plaintext, byte[] context) {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(context, "context");
        requireKeyLength(material, algorithm);
        byte[] blob = CiphertextBlob.newBuffer(algorithm, keyId, versionId, plaintext.length);
        putNonce(blob, CiphertextBlob.NONCE_OFFSET, CiphertextBlob.NONCE_LENGTH);
        byte[] messageKey = algorithm.messageKeys().derive(material.insecureBytes(), blob, CiphertextBlob.NONCE_OFFSET);
        try {
            algorithm.mode().seal(messageKey, blob, CiphertextBlob.HEADER_LENGTH, context, plaintext);
        } finally {
            Arrays.fill(messageKey, (byte) 0);
        }
        return blob;
    }

    /**
     * Decrypts a blob of either format version. The caller picks the material by the blob's key id
     * and version id.
     *
     * @throws DecryptionFailedException if the material, the context or any byte of the blob is
     *     not what it was encrypted with
     */
    public byte[] decrypt(SecretBytes material, CiphertextBlob blob, byte[] context) {
        Objects.requireNonNull(context, "context");
        if (material.length() != blob.algorithm().keyLength()) {
            throw new DecryptionFailedException();
        }
        SymmetricAlgorithm algorithm = blob.algorithm();
        byte[] plaintext = new byte[blob.plaintextLength()];
        if (blob.formatVersion() == CiphertextBlob.FORMAT_VERSION_1) {
            algorithm.mode().open(material.insecureBytes(), blob.bytes(), blob.headerLength(), context, plaintext);
            return plaintext;
        }
        byte[] messageKey = algorithm.messageKeys().derive(material.insecureBytes(), blob.bytes(),
                CiphertextBlob.NONCE_OFFSET);
        try {
            algorithm.mode().open(messageKey, blob.bytes(), blob.headerLength(), context, plaintext);
        } finally {
            Arrays.fill(messageKey, (byte) 0);
        }
        return plaintext;
    }

    /**
     * Wraps {@code secret} (key material, a key-encryption key, an API secret key) under
     * {@code wrappingKey} for storage. Layout:
     *
     * <table>
     *   <caption>wrapped secret, format version 2 (and 1)</caption>
     *   <tr><th>bytes</th><th>content</th></tr>
     *   <tr><td>0</td><td>format version, {@code 2}</td></tr>
     *   <tr><td>1</td><td>algorithm id ({@link SymmetricAlgorithm#id()})</td></tr>
     *   <tr><td>2..13</td><td>12-byte random nonce</td></tr>
     *   <tr><td>14..n-17</td><td>encrypted secret</td></tr>
     *   <tr><td>n-16..n-1</td><td>16-byte GCM tag</td></tr>
     * </table>
     *
     * The associated data is bytes 0..13 followed by {@code associatedData}: bind there whatever
     * the secret belongs to, so that it cannot be unwrapped in another role.
     */
    public byte[] wrap(SecretBytes wrappingKey, SymmetricAlgorithm algorithm, SecretBytes secret,
            byte[] associatedData) {
        Objects.requireNonNull(associatedData, "associatedData");
        requireKeyLength(wrappingKey, algorithm);
        byte[] wrapped = new byte[WRAPPED_OVERHEAD + secret.length()];
        wrapped[0] = WRAPPED_FORMAT_VERSION;
        wrapped[1] = algorithm.id();
        putNonce(wrapped, 2, NONCE_LENGTH);
        algorithm.mode().seal(wrappingKey.insecureBytes(), wrapped, WRAPPED_HEADER_LENGTH, associatedData,
                secret.insecureBytes());
        return wrapped;
    }

    /**
     * Unwraps what {@link #wrap} made; the caller owns (and destroys) the result.
     *
     * @throws DecryptionFailedException if the bytes are not a wrapped secret, or not one wrapped
     *     under this key with this associated data
     */
    public SecretBytes unwrap(SecretBytes wrappingKey, byte[] wrapped, byte[] associatedData) {
        Objects.requireNonNull(associatedData, "associatedData");
        if (wrapped.length < WRAPPED_OVERHEAD
                || (wrapped[0] != WRAPPED_FORMAT_VERSION && wrapped[0] != WRAPPED_FORMAT_VERSION_1)) {
            throw new DecryptionFailedException();
        }
        SymmetricAlgorithm algorithm;
        try {
            algorithm = SymmetricAlgorithm.fromId(wrapped[1]);
        } catch (UnknownAlgorithmException e) {
            throw new DecryptionFailedException();
        }
        if (wrappingKey.length() != algorithm.keyLength()) {
            throw new DecryptionFailedException();
        }
        byte[] secret = new byte[wrapped.length - WRAPPED_OVERHEAD];
        algorithm.mode().open(wrappingKey.insecureBytes(), wrapped, WRAPPED_HEADER_LENGTH, associatedData, secret);
        return SecretBytes.takeOwnership(secret);
    }

    /** The format version of a wrapped secret (its first byte), or -1 for no bytes at all. */
    public static int wrappedFormat(byte[] wrapped) {
        return wrapped.length == 0 ? -1 : wrapped[0];
    }

    private static void requireKeyLength(SecretBytes key, SymmetricAlgorithm algorithm) {
        if (key.length() != algorithm.keyLength()) {
            throw new IllegalArgumentException(
                    algorithm + " needs a " + algorithm.keyLength() + "-byte key, not " + key.length() + " bytes");
        }
    }

    private static void putNonce(byte[] buffer, int offset, int length) {
        System.arraycopy(RandomSource.randomBytes(length), 0, buffer, offset, length);
    }
}
