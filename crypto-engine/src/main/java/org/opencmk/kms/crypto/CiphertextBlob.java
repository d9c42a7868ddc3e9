package org.opencmk.kms.crypto;

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
 * <p>Format version 2, the one written, byte by byte:
 *
 * <table>
 *   <caption>ciphertext blob, format version 2</caption>
 *   <tr><th>bytes</th><th>content</th></tr>
 *   <tr><td>0</td><td>format version, {@code 2}</td></tr>
 *   <tr><td>1</td><td>algorithm id ({@link SymmetricAlgorithm#id()})</td></tr>
 *   <tr><td>2..17</td><td>{@link KeyId} as a UUID: most significant 8 bytes, then least
 *       significant 8 bytes, each big-endian</td></tr>
 *   <tr><td>18..33</td><td>{@link KeyVersionId} as a UUID, same encoding</td></tr>
 *   <tr><td>34..57</td><td>24-byte random nonce N</td></tr>
 *   <tr><td>58..n-17</td><td>ciphertext, as long as the plaintext</td></tr>
 *   <tr><td>n-16..n-1</td><td>16-byte GCM tag</td></tr>
 * </table>
 *
 * <p>The message is encrypted with GCM under a key of its own, derived from the version's material
 * and N[0:12] ({@link MessageKeyDerivation}: for AES-256 exactly XAES-256-GCM's derivation), with
 * N[12:24] (bytes 46..57) as GCM's nonce. Each message thus has a key of its own (two share one
 * only if their random 96-bit prefixes collide), and GCM's budget of 2<sup>32</sup> random nonces
 * per key cannot be reached however long a version, or imported material that never rotates,
 * lives. XAES-256-GCM puts the safe number of messages per material at 2<sup>80</sup>.
 *
 * <p>Format version 1, still read: the same layout but for a 12-byte nonce at 34..45 (the header
 * is 46 bytes, the overhead 62), used as GCM's nonce with the material itself as the key.
 *
 * <p>The header is everything before the ciphertext (bytes 0..57 in version 2, nonce included).
 * The GCM associated data is {@code header || context}, where context is the caller's encryption
 * context in canonical bytes (empty when none); a version's header has a fixed length, so the
 * concatenation is unambiguous. Hence a blob decrypts only under the format version, key id,
 * version id and algorithm it names, even where two versions held identical material, and only
 * with the context it was made with.
 *
 * <p>Every blob written is exactly {@value #OVERHEAD} bytes longer than its plaintext. The
 * plaintext limit is the API's to enforce, not this format's.
 */
public final class CiphertextBlob {

    /** The format version written. */
    public static final byte FORMAT_VERSION = 2;
    /** The format written before per-message keys; still read. */
    public static final byte FORMAT_VERSION_1 = 1;
    static final int ALGORITHM_OFFSET = 1;
    static final int KEY_ID_OFFSET = 2;
    static final int VERSION_ID_OFFSET = 18;
    static final int NONCE_OFFSET = 34;
    /** Length of the nonce N of format version 2: 12 bytes for the key derivation, 12 for GCM. */
    public static final int NONCE_LENGTH = MessageKeyDerivation.NONCE_PREFIX_LENGTH + SymmetricAlgorithm.NONCE_LENGTH;
    /** Length of the header, the bytes before the ciphertext (nonce included). */
    public static final int HEADER_LENGTH = NONCE_OFFSET + NONCE_LENGTH;
    /** Bytes a blob adds to its plaintext: header and tag. */
    public static final int OVERHEAD = HEADER_LENGTH + TAG_LENGTH;
    /** Length of format version 1's header; its nonce is GCM's, 12 bytes. */
    static final int FORMAT_1_HEADER_LENGTH = NONCE_OFFSET + SymmetricAlgorithm.NONCE_LENGTH;
    /** Bytes a blob of format version 1 adds to its plaintext. */
    static final int FORMAT_1_OVERHEAD = FORMAT_1_HEADER_LENGTH + TAG_LENGTH;

    private final byte[] bytes;
    private final int headerLength;
    private final SymmetricAlgorithm algorithm;
    private final UUID keyUuid;
    private final UUID versionUuid;
    // Built on first use, not in parse(): KeyId and KeyVersionId validate their text with a regex,
    // which costs about a quarter of a 4 KB AES-GCM decryption. Racy single-check is fine: both
    // are immutable records, and two threads at worst build equal ones.
    private KeyId keyId;
    private KeyVersionId versionId;

    private CiphertextBlob(byte[] bytes, int headerLength, SymmetricAlgorithm algorithm, UUID keyUuid,
            UUID versionUuid) {
        this.bytes = bytes;
        this.headerLength = headerLength;
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
        int headerLength = bytes.length == 0 ? -1 : switch (bytes[0]) {
            case FORMAT_VERSION -> HEADER_LENGTH;
            case FORMAT_VERSION_1 -> FORMAT_1_HEADER_LENGTH;
            default -> -1;
        };
        if (headerLength < 0 || bytes.length < headerLength + TAG_LENGTH) {
            throw new InvalidCiphertextException();
        }
        SymmetricAlgorithm algorithm;
        try {
            algorithm = SymmetricAlgorithm.fromId(bytes[ALGORITHM_OFFSET]);
        } catch (UnknownAlgorithmException e) {
            throw new InvalidCiphertextException();
        }
        ByteBuffer view = ByteBuffer.wrap(bytes);
        return new CiphertextBlob(bytes, headerLength, algorithm,
                new UUID(view.getLong(KEY_ID_OFFSET), view.getLong(KEY_ID_OFFSET + 8)),
                new UUID(view.getLong(VERSION_ID_OFFSET), view.getLong(VERSION_ID_OFFSET + 8)));
    }

    /**
     * A buffer for a blob of {@code plaintextLength} bytes in the current format, with the header
     * written, all but the nonce: the one place the header is laid out.
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

    /** {@link #FORMAT_VERSION} or {@link #FORMAT_VERSION_1}. */
    public int formatVersion() {
        return bytes[0];
    }

    /** Length of the plaintext this blob decrypts to. */
    public int plaintextLength() {
        return bytes.length - headerLength - TAG_LENGTH;
    }

    /** Length of this blob's header, which depends on its format version. */
    int headerLength() {
        return headerLength;
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
        return "CiphertextBlob[v" + formatVersion() + ", " + algorithm + ", key " + keyUuid + ", version " + versionUuid
                + ", " + plaintextLength() + " bytes of plaintext]";
    }
}
