package org.opencmk.kms.crypto;

import static org.opencmk.kms.crypto.SymmetricAlgorithm.NONCE_LENGTH;
import static org.opencmk.kms.crypto.SymmetricAlgorithm.TAG_LENGTH;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.UUID;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;

/**
 * A ciphertext as the KMS hands it out: self-describing, so that Decrypt needs nothing but the
 * blob and the encryption context (DESIGN.md "Ciphertext blob"), and versioned, so that the format
 * can change without stranding old ciphertexts.
 *
 * <p>Format version 1, byte by byte:
 *
 * <table>
 *   <caption>ciphertext blob, format version 1</caption>
 *   <tr><th>bytes</th><th>content</th></tr>
 *   <tr><td>0</td><td>format version, {@code 1}</td></tr>
 *   <tr><td>1</td><td>algorithm id ({@link SymmetricAlgorithm#id()})</td></tr>
 *   <tr><td>2..17</td><td>{@link KeyId} as a UUID: most significant 8 bytes, then least
 *       significant 8 bytes, each big-endian</td></tr>
 *   <tr><td>18..33</td><td>{@link KeyVersionId} as a UUID, same encoding</td></tr>
 *   <tr><td>34..45</td><td>12-byte random nonce</td></tr>
 *   <tr><td>46..n-17</td><td>ciphertext, as long as the plaintext</td></tr>
 *   <tr><td>n-16..n-1</td><td>16-byte GCM tag</td></tr>
 * </table>
 *
 * <p>The header is bytes 0..45, everything before the ciphertext. The GCM associated data is
 * {@code header || context}, where context is the caller's encryption context in canonical bytes
 * (empty when none); the header has a fixed length, so the concatenation is unambiguous. Hence a
 * blob decrypts only under the key id, version id and algorithm it names, even where two versions
 * held identical material, and only with the context it was made with.
 *
 * <p>Every blob is exactly {@value #OVERHEAD} bytes longer than its plaintext. The plaintext limit
 * is the API's to enforce, not this format's.
 */
public final class CiphertextBlob {

    public static final byte FORMAT_VERSION = 1;
    static final int ALGORITHM_OFFSET = 1;
    static final int KEY_ID_OFFSET = 2;
    static final int VERSION_ID_OFFSET = 18;
    static final int NONCE_OFFSET = 34;
    /** Length of the header, the bytes before the ciphertext (nonce included). */
    public static final int HEADER_LENGTH = NONCE_OFFSET + NONCE_LENGTH;
    /** Bytes a blob adds to its plaintext: header and tag. */
    public static final int OVERHEAD = HEADER_LENGTH + TAG_LENGTH;

    private final byte[] bytes;
    private final SymmetricAlgorithm algorithm;
    private final UUID keyUuid;
    private final UUID versionUuid;
    // Built on first use, not in parse(): KeyId and KeyVersionId validate their text with a regex,
    // which costs about a quarter of a 4 KB AES-GCM decryption. Racy single-check is fine: both
    // are immutable records, and two threads at worst build equal ones.
    private KeyId keyId;
    private KeyVersionId versionId;

    private CiphertextBlob(byte[] bytes, SymmetricAlgorithm algorithm, UUID keyUuid, UUID versionUuid) {
        this.bytes = bytes;
        this.algorithm = algorithm;
        this.keyUuid = keyUuid;
        this.versionUuid = versionUuid;
    }

    /**
     * Reads a blob's header. Keeps {@code bytes} without copying (the payload can be large and
     * this is the hot path): the caller must not change the array afterwards.
     *
     * @throws InvalidCiphertextException if the bytes are too short or name an unknown format
     *     version or algorithm; it says no more, since the bytes came from the caller
     */
    public static CiphertextBlob parse(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length < OVERHEAD || bytes[0] != FORMAT_VERSION) {
            throw new InvalidCiphertextException();
        }
        SymmetricAlgorithm algorithm;
        try {
            algorithm = SymmetricAlgorithm.fromId(bytes[ALGORITHM_OFFSET]);
        } catch (UnknownAlgorithmException e) {
            throw new InvalidCiphertextException();
        }
        ByteBuffer view = ByteBuffer.wrap(bytes);
        return new CiphertextBlob(bytes, algorithm,
                new UUID(view.getLong(KEY_ID_OFFSET), view.getLong(KEY_ID_OFFSET + 8)),
                new UUID(view.getLong(VERSION_ID_OFFSET), view.getLong(VERSION_ID_OFFSET + 8)));
    }

    /**
     * A buffer for a blob of {@code plaintextLength} bytes with the header written, all but the
     * nonce: the one place the header is laid out.
     */
    static byte[] newBuffer(SymmetricAlgorithm algorithm, KeyId keyId, KeyVersionId versionId, int plaintextLength) {
        byte[] buffer = new byte[OVERHEAD + plaintextLength];
        UUID key = keyId.uuid();
        UUID version = versionId.uuid();
        ByteBuffer.wrap(buffer)
                .put(FORMAT_VERSION)
                .put(algorithm.id())
                .putLong(key.getMostSignificantBits())
                .putLong(key.getLeastSignificantBits())
                .putLong(version.getMostSignificantBits())
                .putLong(version.getLeastSignificantBits());
        return buffer;
    }

    /** The CMK the blob was encrypted under. */
    public KeyId keyId() {
        KeyId id = keyId;
        if (id == null) {
            id = KeyId.of(keyUuid);
            keyId = id;
        }
        return id;
    }

    /** The key version the blob was encrypted under. */
    public KeyVersionId versionId() {
        KeyVersionId id = versionId;
        if (id == null) {
            id = KeyVersionId.of(versionUuid);
            versionId = id;
        }
        return id;
    }

    public SymmetricAlgorithm algorithm() {
        return algorithm;
    }

    /** Length of the plaintext this blob decrypts to. */
    public int plaintextLength() {
        return bytes.length - OVERHEAD;
    }

    /** The blob's bytes (a copy). */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** The parsed array itself, for decryption without a copy. */
    byte[] bytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return "CiphertextBlob[v" + FORMAT_VERSION + ", " + algorithm + ", key " + keyUuid + ", version " + versionUuid
                + ", " + plaintextLength() + " bytes of plaintext]";
    }
}
