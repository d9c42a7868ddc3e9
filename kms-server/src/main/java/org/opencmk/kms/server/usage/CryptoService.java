package org.opencmk.kms.server.usage;

import org.opencmk.kms.crypto.CiphertextBlob;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.InvalidCiphertextException;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.query.keyview.KeyRecord;
import org.opencmk.kms.query.keyview.KeyVersion;
import org.opencmk.kms.query.keyview.KeyView;
import org.springframework.stereotype.Service;

/**
 * Symmetric cryptography with a CMK. Every operation first checks that the key may be used
 * (enabled, with material, of usage ENCRYPT_DECRYPT); no operation loads an aggregate.
 * {@link AsymmetricCryptoService} is its asymmetric counterpart.
 */
@Service
public class CryptoService {

    /** Tencent Encrypt: at most 4 KB of plaintext (CTyun 3.3.2: "小于 6KB"; we keep Tencent's). */
    public static final int MAX_PLAINTEXT_BYTES = 4096;
    /** GenerateDataKey NumberOfBytes and GenerateRandom: 1 to 1024 bytes. */
    public static final int MIN_RANDOM_BYTES = 1;
    public static final int MAX_RANDOM_BYTES = 1024;

    /** A ciphertext and the key version that made it. */
    public record Sealed(KeyRecord key, KeyVersion version, byte[] ciphertextBlob) {
    }

    /** A plaintext and the key that opened it. */
    public record Opened(KeyRecord key, KeyVersion version, SecretBytes plaintext) implements AutoCloseable {
        /** Zeroes the plaintext. */
        @Override
        public void close() {
            plaintext.destroy();
        }
    }

    /** A ReEncrypt: the new ciphertext, and the key version that opened the old one. */
    public record ReEncrypted(Sealed sealed, KeyRecord sourceKey, KeyVersion sourceVersion) {
    }

    /** A data key for envelope encryption: its plaintext (null when withheld) and its ciphertext. */
    public record DataKey(Sealed sealed, SecretBytes plaintext) {
    }

    private final KeyView view;
    private final KeyHierarchy keyHierarchy;
    private final UsableKeys usableKeys;

    public CryptoService(KeyView view, KeyHierarchy keyHierarchy) {
        this.view = view;
        this.keyHierarchy = keyHierarchy;
        this.usableKeys = new UsableKeys(view);
    }

    public Sealed encrypt(AccountId account, String keyIdOrAlias, byte[] plaintext, String encryptionContext) {
        if (plaintext.length == 0 || plaintext.length > MAX_PLAINTEXT_BYTES) {
            throw new KmsException(KmsError.INVALID_PLAINTEXT,
                    "Plaintext must have 1 to " + MAX_PLAINTEXT_BYTES + " bytes");
        }
        return seal(usableKey(account, keyIdOrAlias), plaintext, EncryptionContext.canonical(encryptionContext));
    }

    public Opened decrypt(AccountId account, byte[] ciphertextBlob, String encryptionContext) {
        byte[] context = EncryptionContext.canonical(encryptionContext);
        CiphertextBlob blob = parse(ciphertextBlob);
        KeyRecord key = view.find(account, blob.keyId())
                .orElseThrow(() -> KmsException.keyNotFound(blob.keyId()));
        UsableKeys.require(key, UsableKeys.Use.SYMMETRIC);
        KeyVersion version = key.version(blob.versionId())
                .orElseThrow(() -> new KmsException(KmsError.INVALID_CIPHERTEXT, "the ciphertext is not valid"));
        try {
            byte[] plaintext = keyHierarchy.decrypt(key.account(), version.material(), blob, context);
            return new Opened(key, version, SecretBytes.takeOwnership(plaintext));
        } catch (KeyMaterialUnavailableException deletedMeanwhile) {
            throw notFound(key);
        } catch (DecryptionFailedException e) {
            throw new KmsException(KmsError.DECRYPT_FAILED, "the ciphertext cannot be decrypted with this encryption context");
        }
    }

    /**
     * Decrypts under the ciphertext's key and encrypts under the destination key (the source
     * key's primary version when no destination is named), without the plaintext leaving here.
     */
    public ReEncrypted reEncrypt(AccountId account, byte[] ciphertextBlob, String destinationKeyIdOrAlias,
                                 String sourceContext, String destinationContext) {
        byte[] destination = EncryptionContext.canonical(destinationContext);
        try (Opened opened = decrypt(account, ciphertextBlob, sourceContext)) {
            KeyRecord target = destinationKeyIdOrAlias == null || destinationKeyIdOrAlias.isEmpty()
                    ? opened.key() : usableKey(account, destinationKeyIdOrAlias);
            return new ReEncrypted(seal(target, opened.plaintext().insecureBytes(), destination), opened.key(),
                    opened.version());
        }
    }

    public DataKey generateDataKey(AccountId account, String keyIdOrAlias, int numberOfBytes,
                                   String encryptionContext, boolean withPlaintext) {
        requireRandomLength(numberOfBytes, "NumberOfBytes");
        KeyRecord key = usableKey(account, keyIdOrAlias);
        byte[] context = EncryptionContext.canonical(encryptionContext);
        SecretBytes dataKey = RandomSource.newSecret(numberOfBytes);
        Sealed sealed = seal(key, dataKey.insecureBytes(), context);
        if (!withPlaintext) {
            dataKey.destroy();
            return new DataKey(sealed, null);
        }
        return new DataKey(sealed, dataKey);
    }

    public byte[] generateRandom(int numberOfBytes) {
        requireRandomLength(numberOfBytes, "NumberOfBytes");
        return RandomSource.randomBytes(numberOfBytes);
    }

    private Sealed seal(KeyRecord key, byte[] plaintext, byte[] context) {
        KeyVersion primary = key.primary()
                .orElseThrow(() -> new KmsException(KmsError.KEY_PENDING_IMPORT, "the key has no key material"));
        try {
            byte[] blob = keyHierarchy.encrypt(key.account(), key.keyId(), primary.id(), primary.material(), key.keySpec(),
                    plaintext, context);
            return new Sealed(key, primary, blob);
        } catch (KeyMaterialUnavailableException deletedMeanwhile) {
            throw notFound(key);
        }
    }

    private KeyRecord usableKey(AccountId account, String keyIdOrAlias) {
        return usableKeys.resolve(account, keyIdOrAlias, UsableKeys.Use.SYMMETRIC);
    }

    /** The key-encryption key is gone: the key was deleted on another node a moment ago. */
    private static KmsException notFound(KeyRecord key) {
        return KmsException.keyNotFound(key.keyId());
    }

    private static CiphertextBlob parse(byte[] ciphertextBlob) {
        try {
            return CiphertextBlob.parse(ciphertextBlob);
        } catch (InvalidCiphertextException e) {
            throw new KmsException(KmsError.INVALID_CIPHERTEXT, "the ciphertext is not valid");
        }
    }

    private static void requireRandomLength(int numberOfBytes, String field) {
        if (numberOfBytes < MIN_RANDOM_BYTES || numberOfBytes > MAX_RANDOM_BYTES) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE,
                    field + " must be between " + MIN_RANDOM_BYTES + " and " + MAX_RANDOM_BYTES);
        }
    }
}
