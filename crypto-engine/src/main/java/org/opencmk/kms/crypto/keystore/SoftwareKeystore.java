package org.opencmk.kms.crypto.keystore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.SymmetricAlgorithm;
import org.opencmk.kms.crypto.SymmetricCipher;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * The keystore whose root is a 32-byte AES key in process memory, read from a file or an
 * environment secret. KEKs are random AES-256 keys; every wrap is AES-256-GCM in the format of
 * {@link SymmetricCipher#wrap}, whatever the CMK's own algorithm. Associated data, which keeps each
 * wrapped form in its role and with its owner:
 *
 * <ul>
 *   <li>KEK reference, under the root: {@code "opencmk/kek" 0x00 || account (8 bytes) || keyId
 *       (16 bytes)};
 *   <li>version material, under the CMK's KEK: {@code "opencmk/material" 0x00 || account (8) ||
 *       keyId (16) || versionId (16)};
 *   <li>secret, under the root: {@code "opencmk/secret" 0x00 || purpose (UTF-8)}.
 * </ul>
 *
 * The labels differ within their first nine bytes, so no associated data of one role equals
 * another's. Ids are UUIDs, most significant bits first, as in the ciphertext blob; the account
 * is its number, big-endian. A row moved to another account in the database, or events rewritten
 * to name another owner, no longer unwrap.
 *
 * <p>The fingerprint of imported material ({@link #fingerprintMaterial}) is
 * {@code HMAC-SHA256(F, material)} with a fingerprint key {@code F} that serves nothing else:
 * {@code F = HKDF-Expand(KEK, "opencmk/import-fingerprint" 0x00 || account (8) || keyId (16), 32)}
 * (RFC 5869 with SHA-256; for 32 bytes that is {@code HMAC-SHA256(KEK, info || 0x01)}). The KEK
 * is uniformly random, so it is used as the pseudorandom key without an Extract step. Derived
 * rather than the KEK itself: one key, one algorithm (the KEK is an AES-GCM key); and HKDF-Expand
 * is what a token can also run inside itself ({@code CKM_HKDF_DERIVE}), so a PKCS#11 keystore can
 * give the same fingerprints without exporting the KEK. Stored fingerprints depend on this
 * construction: never change it.
 *
 * <p>Wrapped format version 1 (written before the account was bound) used the same associated
 * data without the account. Such material is still unwrapped, with the associated data it was
 * sealed with: its KEK, rebound to the account at start ({@link #bindKeyEncryptionKey}), carries
 * the binding for it. The format byte is authenticated, so a version 2 wrap cannot pass for 1.
 */
public final class SoftwareKeystore implements Keystore {

    /** Length of the root key, in bytes. */
    public static final int ROOT_KEY_LENGTH = 32;

    private static final SymmetricAlgorithm WRAPPING = SymmetricAlgorithm.AES_256_GCM;
    private static final byte[] KEK_LABEL = label("opencmk/kek");
    private static final byte[] MATERIAL_LABEL = label("opencmk/material");
    private static final byte[] SECRET_LABEL = label("opencmk/secret");
    private static final byte[] FINGERPRINT_LABEL = label("opencmk/import-fingerprint");
    private static final String HMAC_SHA256 = "HmacSHA256";
    /** HKDF-Expand's block counter for its first (and, at 32 bytes, only) block. */
    private static final byte HKDF_FIRST_BLOCK = 0x01;

    private final SecretBytes rootKey;
    private final SymmetricCipher cipher = new SymmetricCipher();

    /**
     * Serves keys under {@code rootKey}, taking ownership of it: {@link #close()} destroys it.
     *
     * @throws IllegalArgumentException if the root key is not {@value #ROOT_KEY_LENGTH} bytes
     */
    public SoftwareKeystore(SecretBytes rootKey) {
        if (rootKey.length() != ROOT_KEY_LENGTH) {
            throw new IllegalArgumentException("a root key has " + ROOT_KEY_LENGTH + " bytes, not " + rootKey.length());
        }
        this.rootKey = rootKey;
    }

    /**
     * The keystore of a data directory: reads the root key from {@code rootKeyFile}, or creates
     * the file with a fresh random root key when there is none. See {@link RootKeyFile} for the
     * file's format and the permissions it must have.
     *
     * @throws IOException if the file cannot be read or created, is readable or writable by
     *     anyone but its owner, or does not hold a root key
     */
    public static SoftwareKeystore openOrCreate(Path rootKeyFile) throws IOException {
        return new SoftwareKeystore(RootKeyFile.readOrCreate(rootKeyFile));
    }

    /**
     * The keystore of a root key given as base64 text, as in the {@code KMS_ROOT_KEY} environment
     * variable. The String itself cannot be zeroed: keep it no longer than this call.
     *
     * @throws IllegalArgumentException if the text is not base64 of exactly
     *     {@value #ROOT_KEY_LENGTH} bytes; the message never contains the text
     */
    public static SoftwareKeystore fromBase64(String encodedRootKey) {
        Objects.requireNonNull(encodedRootKey, "encodedRootKey");
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(encodedRootKey.strip());
        } catch (IllegalArgumentException e) {
            // No cause: the decoder's message quotes the offending character of the secret.
            throw new IllegalArgumentException("the root key is not valid base64");
        }
        if (decoded.length != ROOT_KEY_LENGTH) {
            Arrays.fill(decoded, (byte) 0);
            throw new IllegalArgumentException(
                    "the root key must be base64 of " + ROOT_KEY_LENGTH + " bytes, not " + decoded.length);
        }
        return new SoftwareKeystore(SecretBytes.takeOwnership(decoded));
    }

    @Override
    public ProtectionLevel protectionLevel() {
        return ProtectionLevel.SOFTWARE;
    }

    @Override
    public byte[] createKeyEncryptionKey(AccountId account, KeyId keyId) {
        Objects.requireNonNull(account, "account");
        try (SecretBytes kek = RandomSource.newSecret(WRAPPING.keyLength())) {
            return cipher.wrap(rootKey, WRAPPING, kek, kekAssociatedData(account, keyId));
        }
    }

    @Override
    public byte[] bindKeyEncryptionKey(byte[] kekReference, AccountId account, KeyId keyId) {
        Objects.requireNonNull(account, "account");
        if (SymmetricCipher.wrappedFormat(kekReference) != SymmetricCipher.WRAPPED_FORMAT_VERSION_1) {
            unwrapKek(kekReference, account, keyId).destroy(); // already bound: to this account?
            return kekReference;
        }
        try (SecretBytes kek = unwrapKek(kekReference, account, keyId)) {
            return cipher.wrap(rootKey, WRAPPING, kek, kekAssociatedData(account, keyId));
        }
    }

    @Override
    public void destroyKeyEncryptionKey(KeyId keyId, byte[] kekReference) {
        // The reference is the only copy of this KEK: deleting it, which the caller does, destroys it.
    }

    @Override
    public WrappedKeyMaterial wrapMaterial(byte[] kekReference, AccountId account, KeyId keyId,
            KeyVersionId versionId, SecretBytes material) {
        Objects.requireNonNull(account, "account");
        try (SecretBytes kek = unwrapKek(kekReference, account, keyId)) {
            return new WrappedKeyMaterial(cipher.wrap(kek, WRAPPING, material,
                    materialAssociatedData(account, keyId, versionId)));
        }
    }

    @Override
    public SecretBytes unwrapMaterial(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial wrapped) {
        Objects.requireNonNull(account, "account");
        byte[] bytes = wrapped.bytes();
        try (SecretBytes kek = unwrapKek(kekReference, account, keyId)) {
            byte[] associatedData = SymmetricCipher.wrappedFormat(bytes) == SymmetricCipher.WRAPPED_FORMAT_VERSION_1
                    ? materialAssociatedData(null, keyId, versionId)
                    : materialAssociatedData(account, keyId, versionId);
            return cipher.unwrap(kek, bytes, associatedData);
        } catch (DecryptionFailedException e) {
            throw new KeyMaterialUnavailableException("the material of key " + keyId + " version " + versionId
                    + " cannot be unwrapped: it was wrapped for another key or version, or altered");
        }
    }

    @Override
    public byte[] fingerprintMaterial(byte[] kekReference, AccountId account, KeyId keyId, SecretBytes material) {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(material, "material");
        byte[] fingerprintKey = null;
        try (SecretBytes kek = unwrapKek(kekReference, account, keyId)) {
            fingerprintKey = hmacSha256(kek.insecureBytes(), fingerprintInfo(account, keyId));
            return hmacSha256(fingerprintKey, material.insecureBytes());
        } finally {
            if (fingerprintKey != null) {
                Arrays.fill(fingerprintKey, (byte) 0);
            }
        }
    }

    @Override
    public byte[] wrapSecret(String purpose, SecretBytes secret) {
        return cipher.wrap(rootKey, WRAPPING, secret, secretAssociatedData(purpose));
    }

    @Override
    public SecretBytes unwrapSecret(String purpose, byte[] wrapped) {
        try {
            return cipher.unwrap(rootKey, wrapped, secretAssociatedData(purpose));
        } catch (DecryptionFailedException e) {
            throw new KeyMaterialUnavailableException("the secret for '" + purpose
                    + "' cannot be unwrapped: it was wrapped for another purpose or root key, or altered");
        }
    }

    @Override
    public void close() {
        rootKey.destroy();
    }

    @Override
    public String toString() {
        return "SoftwareKeystore[root key redacted]";
    }

    private SecretBytes unwrapKek(byte[] kekReference, AccountId account, KeyId keyId) {
        try {
            boolean bound = SymmetricCipher.wrappedFormat(kekReference) != SymmetricCipher.WRAPPED_FORMAT_VERSION_1;
            return cipher.unwrap(rootKey, kekReference, kekAssociatedData(bound ? account : null, keyId));
        } catch (DecryptionFailedException e) {
            throw new KeyMaterialUnavailableException("the key-encryption key of key " + keyId
                    + " cannot be unwrapped: the reference belongs to another key, account or root key, or was altered");
        }
    }

    /** {@code account} null: the associated data of wrapped format version 1. */
    private static byte[] kekAssociatedData(AccountId account, KeyId keyId) {
        return ByteBuffer.allocate(KEK_LABEL.length + (account == null ? 0 : 8) + 16)
                .put(KEK_LABEL)
                .put(accountBytes(account))
                .put(uuidBytes(keyId.uuid()))
                .array();
    }

    /** {@code account} null: the associated data of wrapped format version 1. */
    private static byte[] materialAssociatedData(AccountId account, KeyId keyId, KeyVersionId versionId) {
        return ByteBuffer.allocate(MATERIAL_LABEL.length + (account == null ? 0 : 8) + 32)
                .put(MATERIAL_LABEL)
                .put(accountBytes(account))
                .put(uuidBytes(keyId.uuid()))
                .put(uuidBytes(versionId.uuid()))
                .array();
    }

    /** HKDF-Expand's info for the fingerprint key, followed by its block counter. */
    private static byte[] fingerprintInfo(AccountId account, KeyId keyId) {
        return ByteBuffer.allocate(FINGERPRINT_LABEL.length + 8 + 16 + 1)
                .put(FINGERPRINT_LABEL)
                .put(accountBytes(account))
                .put(uuidBytes(keyId.uuid()))
                .put(HKDF_FIRST_BLOCK)
                .array();
    }

    /**
     * One HMAC-SHA256 on the JDK's provider. The {@code SecretKeySpec} is a copy of the key that
     * cannot be zeroed on Java 17 (as in {@code JdkGcm}); it becomes garbage at once.
     */
    private static byte[] hmacSha256(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance(HMAC_SHA256);
            mac.init(new SecretKeySpec(key, HMAC_SHA256));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(HMAC_SHA256 + " is not available in this JDK", e);
        }
    }

    private static byte[] accountBytes(AccountId account) {
        return account == null ? new byte[0] : ByteBuffer.allocate(8).putLong(account.value()).array();
    }

    private static byte[] secretAssociatedData(String purpose) {
        if (purpose == null || purpose.isBlank()) {
            throw new IllegalArgumentException("a wrapped secret needs a purpose");
        }
        byte[] text = purpose.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(SECRET_LABEL.length + text.length).put(SECRET_LABEL).put(text).array();
    }

    private static byte[] uuidBytes(java.util.UUID uuid) {
        return ByteBuffer.allocate(16)
                .putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits())
                .array();
    }

    private static byte[] label(String name) {
        byte[] text = name.getBytes(StandardCharsets.US_ASCII);
        return Arrays.copyOf(text, text.length + 1);
    }
}
