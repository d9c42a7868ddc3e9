package org.opencmk.kms.crypto.keystore.pkcs11;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.UUID;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;

/**
 * What the KMS holds of a token object: a self-describing reference that names the object's
 * owner, and the label under which the object is found in the token. Layout (big-endian, ids as
 * UUIDs most significant bits first, as in the ciphertext blob):
 *
 * <table>
 *   <caption>token references</caption>
 *   <tr><th>bytes</th><th>KEK reference (42 bytes)</th><th>version reference (74 bytes)</th></tr>
 *   <tr><td>0</td><td colspan="2">{@value #MAGIC} ({@code 'T'}): never a software wrapped form,
 *       which begins with its format version 1 or 2</td></tr>
 *   <tr><td>1</td><td>{@value #KEK} (kind)</td><td>{@value #VERSION} (kind)</td></tr>
 *   <tr><td>2..9</td><td colspan="2">account</td></tr>
 *   <tr><td>10..25</td><td colspan="2">keyId</td></tr>
 *   <tr><td>26..41</td><td>KEK tag (random)</td><td>versionId</td></tr>
 *   <tr><td>42..57</td><td></td><td>the KEK tag of the CMK's KEK</td></tr>
 *   <tr><td>58..73</td><td></td><td>object tag (random)</td></tr>
 * </table>
 *
 * The random tags tell apart two KEKs of one CMK, or two imports of one version; the label
 * contains every field, so a reference with any byte changed finds no object. A reference is not
 * secret: it is worthless without the token and its PIN.
 */
record TokenReference(byte kind, AccountId account, UUID keyId, UUID versionId, byte[] kekTag, byte[] objectTag) {

    static final byte MAGIC = 0x54;
    static final byte KEK = 1;
    static final byte VERSION = 2;
    static final int TAG_LENGTH = 16;
    static final int KEK_LENGTH = 2 + 8 + 16 + TAG_LENGTH;
    static final int VERSION_LENGTH = 2 + 8 + 16 + 16 + 2 * TAG_LENGTH;
    private static final HexFormat HEX = HexFormat.of();

    static TokenReference newKek(AccountId account, KeyId keyId) {
        return new TokenReference(KEK, account, keyId.uuid(), null, RandomSource.randomBytes(TAG_LENGTH), null);
    }

    TokenReference newVersion(KeyVersionId versionId) {
        return new TokenReference(VERSION, account, keyId, versionId.uuid(), kekTag,
                RandomSource.randomBytes(TAG_LENGTH));
    }

    static boolean looksLikeOne(byte[] bytes) {
        return bytes != null && bytes.length >= 2 && bytes[0] == MAGIC && (bytes[1] == KEK || bytes[1] == VERSION);
    }

    /**
     * The KEK reference, if it is one and belongs to {@code keyId} of {@code account}.
     *
     * @throws KeyMaterialUnavailableException otherwise
     */
    static TokenReference kek(byte[] bytes, AccountId account, KeyId keyId) {
        if (bytes == null || bytes.length != KEK_LENGTH || bytes[0] != MAGIC || bytes[1] != KEK) {
            throw new KeyMaterialUnavailableException("the key-encryption key reference of key " + keyId
                    + " is not a PKCS#11 token's");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 2, bytes.length - 2);
        long owner = in.getLong();
        UUID key = new UUID(in.getLong(), in.getLong());
        byte[] tag = new byte[TAG_LENGTH];
        in.get(tag);
        if (owner != account.value() || !key.equals(keyId.uuid())) {
            throw new KeyMaterialUnavailableException("the key-encryption key reference of key " + keyId
                    + " belongs to another key or account");
        }
        return new TokenReference(KEK, account, key, null, tag, null);
    }

    /**
     * The version reference, if it is one and belongs to this KEK's CMK and {@code versionId}
     * (any version when null).
     *
     * @throws KeyMaterialUnavailableException otherwise
     */
    TokenReference version(byte[] bytes, KeyVersionId versionId) {
        if (bytes == null || bytes.length != VERSION_LENGTH || bytes[0] != MAGIC || bytes[1] != VERSION) {
            throw new KeyMaterialUnavailableException("the material reference of key " + KeyId.of(keyId)
                    + " is not a PKCS#11 token's");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 2, bytes.length - 2);
        long owner = in.getLong();
        UUID key = new UUID(in.getLong(), in.getLong());
        UUID version = new UUID(in.getLong(), in.getLong());
        byte[] ofKek = new byte[TAG_LENGTH];
        in.get(ofKek);
        byte[] tag = new byte[TAG_LENGTH];
        in.get(tag);
        if (owner != account.value() || !key.equals(keyId) || !java.util.Arrays.equals(ofKek, kekTag)
                || (versionId != null && !version.equals(versionId.uuid()))) {
            throw new KeyMaterialUnavailableException("the material reference of key " + KeyId.of(keyId)
                    + " belongs to another key, version, account or key-encryption key");
        }
        return new TokenReference(VERSION, account, key, version, ofKek, tag);
    }

    byte[] toBytes() {
        ByteBuffer out = ByteBuffer.allocate(kind == KEK ? KEK_LENGTH : VERSION_LENGTH)
                .put(MAGIC).put(kind).putLong(account.value())
                .putLong(keyId.getMostSignificantBits()).putLong(keyId.getLeastSignificantBits());
        if (kind == VERSION) {
            out.putLong(versionId.getMostSignificantBits()).putLong(versionId.getLeastSignificantBits());
        }
        out.put(kekTag);
        if (kind == VERSION) {
            out.put(objectTag);
        }
        return out.array();
    }

    /** {@code opencmk/kek/<account>/<keyId>/<tag>} or {@code opencmk/version/<account>/<keyId>/<versionId>/<tag>}. */
    String label() {
        return kind == KEK
                ? "opencmk/kek/" + account.value() + "/" + keyId + "/" + HEX.formatHex(kekTag)
                : "opencmk/version/" + account.value() + "/" + keyId + "/" + versionId + "/" + HEX.formatHex(objectTag);
    }

    /** {@code CKA_ID} of every object of the CMK: the 16 bytes of its key id. */
    byte[] objectId() {
        return uuidBytes(keyId);
    }

    static byte[] uuidBytes(UUID uuid) {
        return ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits())
                .array();
    }
}
