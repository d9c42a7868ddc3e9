package org.opencmk.kms.crypto.hierarchy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.opencmk.kms.crypto.CiphertextBlob;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.SymmetricAlgorithm;
import org.opencmk.kms.crypto.SymmetricCipher;
import org.opencmk.kms.crypto.asymmetric.AsymmetricCiphers;
import org.opencmk.kms.crypto.asymmetric.AsymmetricPrivateKey;
import org.opencmk.kms.crypto.asymmetric.EncodedKeyPair;
import org.opencmk.kms.crypto.asymmetric.KeyPairs;
import org.opencmk.kms.crypto.asymmetric.MessageType;
import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;
import org.opencmk.kms.crypto.asymmetric.SignatureAlgorithm;
import org.opencmk.kms.crypto.asymmetric.Signatures;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.crypto.keystore.KeystoreUnavailableException;
import org.opencmk.kms.crypto.keystore.TokenKeystore;
import org.opencmk.kms.crypto.keystore.UnsupportedByKeystoreException;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.PublicKeyDer;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * The key hierarchy (DESIGN.md "Key hierarchy"): the one entry point through which the KMS
 * creates, uses and crypto-shreds key material, symmetric and asymmetric alike: every operation
 * takes a key version (its ids and wrapped material), so that a keystore that keeps material
 * inside a device can later run all of them there. Callers hold only wrapped material (what events
 * carry); plaintext material stays inside this class.
 *
 * <p>The hot path (DESIGN.md "Hot path") finds unwrapped material in a bounded cache keyed by key
 * id and version id, and unwraps through the keystore on a miss. A cache entry is used only for
 * the very wrapped bytes it was unwrapped from, and is zeroed once evicted and no longer in use
 * (see {@link CachedMaterial} for why reference counting).
 *
 * <p>The cache is per node. When a CMK is deleted on another node, or its material must stop being
 * used (expired import), each node calls {@link #evict(KeyId)} on the event; the node that
 * deletes calls {@link #destroyKeyEncryptionKey(KeyId)}. Thread-safe.
 */
public final class KeyHierarchy implements AutoCloseable {

    // Loads and evictions of one CMK are serialised on its stripe, so that a miss that read the KEK
    // before destroyKeyEncryptionKey cannot put material back into the cache after it. Hits never
    // lock.
    private static final int LOCK_STRIPES = 64;

    private final Keystore keystore;
    /** The HSM level's keystore; null when no HSM is configured. */
    private final TokenKeystore token;
    private final KekRepository keks;
    private final SymmetricCipher cipher = new SymmetricCipher();
    private final Cache<CacheKey, CachedMaterial> cache;
    private final Object[] locks = new Object[LOCK_STRIPES];

    /**
     * @param cacheMaximumSize the most key versions whose material is held unwrapped at once
     * @param cacheExpireAfterAccess how long unused material stays unwrapped
     */
    public KeyHierarchy(Keystore keystore, KekRepository keks, int cacheMaximumSize,
            Duration cacheExpireAfterAccess) {
        this(keystore, null, keks, cacheMaximumSize, cacheExpireAfterAccess);
    }

    /**
     * A hierarchy serving both protection levels: {@code keystore} for SOFTWARE keys, {@code
     * token} (null when no HSM is configured) for HSM keys, each key routed to the keystore that
     * made its key-encryption key, for good: an HSM key is never served by the software keystore.
     * Only software material is cached; an HSM key's operations all run in its token.
     */
    public KeyHierarchy(Keystore keystore, TokenKeystore token, KekRepository keks, int cacheMaximumSize,
            Duration cacheExpireAfterAccess) {
        this.keystore = Objects.requireNonNull(keystore, "keystore");
        if (keystore instanceof TokenKeystore) {
            throw new IllegalArgumentException("the software level needs a software keystore");
        }
        this.token = token;
        this.keks = Objects.requireNonNull(keks, "keks");
        if (cacheMaximumSize < 0) {
            throw new IllegalArgumentException("cache maximum size must not be negative: " + cacheMaximumSize);
        }
        if (cacheExpireAfterAccess.isNegative() || cacheExpireAfterAccess.isZero()) {
            throw new IllegalArgumentException("cache expiry must be positive: " + cacheExpireAfterAccess);
        }
        this.cache = Caffeine.newBuilder()
                .maximumSize(cacheMaximumSize)
                .expireAfterAccess(cacheExpireAfterAccess)
                // Retire on the thread that removes, not later on a pool: the zeroing of shredded
                // material is then done when destroyKeyEncryptionKey returns.
                .executor(Runnable::run)
                // Expired material is zeroed on time even when no request comes to trigger it.
                .scheduler(Scheduler.systemScheduler())
                .<CacheKey, CachedMaterial>removalListener((key, entry, cause) -> {
                    if (entry != null) {
                        entry.retire();
                    }
                })
                .build();
        for (int i = 0; i < LOCK_STRIPES; i++) {
            locks[i] = new Object();
        }
    }

    /** True if CMKs of {@code level} can be created here: SOFTWARE always, HSM when a token keystore is configured. */
    public boolean serves(ProtectionLevel level) {
        return level == ProtectionLevel.SOFTWARE || token != null;
    }

    /** True if the HSM level is configured and its token answers now; never throws. */
    public boolean hsmAvailable() {
        return token != null && token.available();
    }

    /** True if keys of {@code spec} can be made at {@code level} (the token may lack SM2 and SM4). */
    public boolean supports(ProtectionLevel level, KeySpec spec) {
        return level == ProtectionLevel.SOFTWARE || (token != null && token.supports(spec));
    }

    /**
     * Gives a new SOFTWARE CMK its key-encryption key; see {@link #createKeyEncryptionKey(AccountId,
     * KeyId, ProtectionLevel)}.
     */
    public void createKeyEncryptionKey(AccountId account, KeyId keyId) {
        createKeyEncryptionKey(account, keyId, ProtectionLevel.SOFTWARE);
    }

    /**
     * Gives a new CMK its key-encryption key in the keystore of its protection level, which from
     * then on serves every operation of the key. Idempotent: a CMK that already has one keeps it,
     * so a repeated command cannot shred material already wrapped.
     *
     * @throws UnsupportedByKeystoreException if {@code level} is HSM and no HSM is configured
     * @throws KeystoreUnavailableException if the token cannot be reached now
     */
    public void createKeyEncryptionKey(AccountId account, KeyId keyId, ProtectionLevel level) {
        Keystore target = switch (level) {
            case SOFTWARE -> keystore;
            case HSM -> {
                if (token == null) {
                    throw new UnsupportedByKeystoreException("no HSM is configured (KMS_HSM_PKCS11_LIBRARY)");
                }
                yield token;
            }
        };
        synchronized (lockFor(keyId)) {
            if (keks.find(keyId).isEmpty()) {
                keks.save(keyId, target.createKeyEncryptionKey(account, keyId));
            }
        }
    }

    /**
     * Fresh random material for a new version of a symmetric key, returned wrapped only; the
     * plaintext is zeroed before this returns.
     *
     * @throws KeyMaterialUnavailableException if the CMK has no key-encryption key
     * @throws IllegalArgumentException for a key pair spec (see {@link #generateKeyPair})
     */
    public WrappedKeyMaterial generateMaterial(AccountId account, KeyId keyId, KeyVersionId versionId, KeySpec spec) {
        if (!spec.isSymmetric()) {
            throw new IllegalArgumentException(spec + " is a key pair spec");
        }
        byte[] kek = requireKek(keyId);
        if (isToken(kek)) {
            return token.generateMaterial(kek, account, keyId, versionId, spec);
        }
        try (SecretBytes material = RandomSource.newMaterial(spec)) {
            return keystore.wrapMaterial(kek, account, keyId, versionId, material);
        }
    }

    /** A new version of an asymmetric key: its private key, wrapped like all material, and its public key. */
    public record NewKeyPair(WrappedKeyMaterial privateKey, PublicKeyDer publicKey) {
    }

    /**
     * A fresh key pair for a new version of an asymmetric key, its private key returned wrapped
     * only (as PKCS#8 under the CMK's key-encryption key); the plaintext is zeroed before this
     * returns.
     *
     * @throws KeyMaterialUnavailableException if the CMK has no key-encryption key
     */
    public NewKeyPair generateKeyPair(AccountId account, KeyId keyId, KeyVersionId versionId, KeySpec spec) {
        byte[] kek = requireKek(keyId);
        if (isToken(kek)) {
            TokenKeystore.TokenKeyPair pair = token.generateKeyPair(kek, account, keyId, versionId, spec);
            return new NewKeyPair(pair.privateKey(), new PublicKeyDer(pair.publicKey()));
        }
        try (EncodedKeyPair pair = KeyPairs.generate(spec)) {
            return new NewKeyPair(keystore.wrapMaterial(kek, account, keyId, versionId, pair.privateKey()),
                    new PublicKeyDer(pair.publicKey()));
        }
    }

    /**
     * Wraps given material (an import) for the version; the caller keeps ownership of
     * {@code material}.
     *
     * @throws KeyMaterialUnavailableException if the CMK has no key-encryption key
     */
    public WrappedKeyMaterial wrapMaterial(AccountId account, KeyId keyId, KeyVersionId versionId,
            SecretBytes material) {
        byte[] kek = requireKek(keyId);
        return keystoreFor(kek).wrapMaterial(kek, account, keyId, versionId, material);
    }

    /**
     * The keyed fingerprint of material imported into {@code keyId} (see {@link
     * Keystore#fingerprintMaterial}): the same for the same material as long as the CMK's KEK
     * lives, so that a later import can be checked against the first one without keeping the
     * material. The caller keeps ownership of {@code material}.
     *
     * @throws KeyMaterialUnavailableException if the CMK has no key-encryption key
     */
    public byte[] fingerprintMaterial(AccountId account, KeyId keyId, SecretBytes material) {
        byte[] kek = requireKek(keyId);
        return keystoreFor(kek).fingerprintMaterial(kek, account, keyId, material);
    }

    /**
     * Encrypts under one key version.
     *
     * @param material the version's wrapped material, as its event carried it
     * @param context the encryption context in canonical bytes, empty when none
     * @return the ciphertext blob's bytes
     * @throws KeyMaterialUnavailableException if the CMK's key-encryption key was destroyed, or
     *     {@code material} is not this version's
     */
    public byte[] encrypt(AccountId account, KeyId keyId, KeyVersionId versionId, WrappedKeyMaterial material,
            KeySpec spec, byte[] plaintext, byte[] context) {
        SymmetricAlgorithm algorithm = SymmetricAlgorithm.forKeySpec(spec);
        byte[] kek = requireKek(keyId);
        if (isToken(kek)) {
            return token.encrypt(kek, account, keyId, versionId, material, spec, plaintext, context);
        }
        return withMaterial(account, keyId, versionId, material,
                unwrapped -> cipher.encrypt(unwrapped, algorithm, keyId, versionId, plaintext, context));
    }

    /**
     * Decrypts a blob under the key version it names. There are no key id and version id
     * parameters on purpose: they come from the blob, so the caller cannot pair a blob with
     * another version (two CMKs may hold identical imported material); {@code material} must be
     * the wrapped material of {@code blob.keyId()}, version {@code blob.versionId()}.
     *
     * @throws DecryptionFailedException if the blob or the context is not what it was encrypted with
     * @throws KeyMaterialUnavailableException if the CMK's key-encryption key was destroyed, or
     *     {@code material} is not the version's the blob names
     */
    public byte[] decrypt(AccountId account, WrappedKeyMaterial material, CiphertextBlob blob, byte[] context) {
        byte[] kek = requireKek(blob.keyId());
        if (isToken(kek)) {
            return token.decrypt(kek, account, material, blob, context);
        }
        return withMaterial(account, blob.keyId(), blob.versionId(), material,
                unwrapped -> cipher.decrypt(unwrapped, blob, context));
    }

    /**
     * Signs with one version of an asymmetric key (see {@link Signatures#sign}).
     *
     * @param material the version's wrapped private key, as its event carried it
     * @throws KeyMaterialUnavailableException if the CMK's key-encryption key was destroyed, or
     *     {@code material} is not this version's
     */
    public byte[] sign(AccountId account, KeyId keyId, KeyVersionId versionId, WrappedKeyMaterial material,
            KeySpec spec, SignatureAlgorithm algorithm, MessageType type, byte[] message) {
        byte[] kek = requireKek(keyId);
        if (isToken(kek)) {
            return token.sign(kek, account, keyId, versionId, material, spec, algorithm, type, message);
        }
        return withPrivateKey(account, keyId, versionId, material, spec,
                key -> Signatures.sign(key, algorithm, type, message));
    }

    /**
     * Decrypts, with one version of an asymmetric key, what its public key encrypted (see {@link
     * AsymmetricCiphers#decrypt}); the caller owns the plaintext.
     *
     * @throws DecryptionFailedException if the ciphertext does not decrypt with this version
     * @throws KeyMaterialUnavailableException as {@link #sign}
     */
    public SecretBytes decrypt(AccountId account, KeyId keyId, KeyVersionId versionId, WrappedKeyMaterial material,
            KeySpec spec, PublicKeyEncryption scheme, byte[] ciphertext) {
        byte[] kek = requireKek(keyId);
        if (isToken(kek)) {
            return token.decrypt(kek, account, keyId, versionId, material, spec, scheme, ciphertext);
        }
        return withPrivateKey(account, keyId, versionId, material, spec,
                key -> AsymmetricCiphers.decrypt(key, scheme, ciphertext));
    }

    /**
     * Crypto-shreds a CMK: destroys its key-encryption key, so every version's wrapped material
     * (which stays in the immutable event store) is unreadable for good, and zeroes the material
     * cached on this node. Operations already running finish; every later one fails with {@link
     * KeyMaterialUnavailableException}. Idempotent.
     */
    public void destroyKeyEncryptionKey(KeyId keyId) {
        Optional<byte[]> reference;
        // Under the lock only what is in memory, so that a cache miss of the hot path never waits
        // for the I/O below: once forgotten, no unwrap of this key can start on this node.
        synchronized (lockFor(keyId)) {
            reference = keks.find(keyId);
            keks.forget(keyId);
            evictLocked(keyId);
        }
        if (reference.isPresent()) {
            // The keystore first: if deleting the reference then fails, a retry still finds it.
            keystoreFor(reference.get()).destroyKeyEncryptionKey(keyId, reference.get());
            keks.delete(keyId);
        }
    }

    /**
     * A CMK was deleted (on this node or another): stops using its key-encryption key here and
     * zeroes its cached material. The node that deleted it destroys the KEK itself.
     */
    public void keyDeleted(KeyId keyId) {
        synchronized (lockFor(keyId)) {
            keks.forget(keyId);
            evictLocked(keyId);
        }
    }

    /** Zeroes every version's material of {@code keyId} cached on this node. */
    public void evict(KeyId keyId) {
        synchronized (lockFor(keyId)) {
            evictLocked(keyId);
        }
    }

    /** Zeroes all cached material. The keystore is not closed: it is not this object's. */
    @Override
    public void close() {
        cache.invalidateAll();
        cache.cleanUp();
    }

    private <T> T withMaterial(AccountId account, KeyId keyId, KeyVersionId versionId, WrappedKeyMaterial wrapped,
            Function<SecretBytes, T> operation) {
        return withEntry(account, keyId, versionId, wrapped, entry -> operation.apply(entry.material()));
    }

    /**
     * The version's private key is parsed once per cache entry, not per call; as the first call's
     * spec, so every later call's spec is checked against the parsed key, or it would be used as
     * whatever spec the first call named.
     */
    private <T> T withPrivateKey(AccountId account, KeyId keyId, KeyVersionId versionId, WrappedKeyMaterial wrapped,
            KeySpec spec, Function<AsymmetricPrivateKey, T> operation) {
        return withEntry(account, keyId, versionId, wrapped, entry -> {
            AsymmetricPrivateKey key = entry.prepared(pkcs8 -> AsymmetricPrivateKey.parse(spec, pkcs8));
            if (key.spec() != spec) {
                throw new IllegalArgumentException("not a private key of spec " + spec);
            }
            return operation.apply(key);
        });
    }

    private <T> T withEntry(AccountId account, KeyId keyId, KeyVersionId versionId, WrappedKeyMaterial wrapped,
            Function<CachedMaterial, T> operation) {
        Objects.requireNonNull(wrapped, "wrapped material");
        CachedMaterial entry = acquire(new CacheKey(account, keyId, versionId), wrapped);
        try {
            return operation.apply(entry);
        } finally {
            entry.release();
        }
    }

    private CachedMaterial acquire(CacheKey key, WrappedKeyMaterial wrapped) {
        CachedMaterial cached = cache.getIfPresent(key);
        if (cached != null && cached.unwrappedFrom(wrapped) && cached.acquire()) {
            return cached;
        }
        synchronized (lockFor(key.keyId())) {
            cached = cache.getIfPresent(key);
            if (cached != null && cached.unwrappedFrom(wrapped) && cached.acquire()) {
                return cached;
            }
            SecretBytes material = keystore.unwrapMaterial(requireKek(key.keyId()), key.account(), key.keyId(),
                    key.versionId(), wrapped);
            CachedMaterial loaded = new CachedMaterial(wrapped, material);
            // Held before it is visible, so that even an immediate eviction cannot zero it under us.
            loaded.acquire();
            cache.put(key, loaded);
            return loaded;
        }
    }

    /**
     * True for a key-encryption key the token made. A reference that is neither the token's nor
     * the software keystore's (an HSM key on a server started without its HSM) is refused, never
     * tried in software.
     */
    private boolean isToken(byte[] kekReference) {
        if (token != null && token.owns(kekReference)) {
            return true;
        }
        int format = SymmetricCipher.wrappedFormat(kekReference);
        if (format == SymmetricCipher.WRAPPED_FORMAT_VERSION || format == SymmetricCipher.WRAPPED_FORMAT_VERSION_1) {
            return false;
        }
        throw new KeystoreUnavailableException("this key is protected by an HSM, and the HSM that holds it is not "
                + "configured (KMS_HSM_PKCS11_LIBRARY)");
    }

    private Keystore keystoreFor(byte[] kekReference) {
        return isToken(kekReference) ? token : keystore;
    }

    private byte[] requireKek(KeyId keyId) {
        return keks.find(keyId).orElseThrow(() -> new KeyMaterialUnavailableException(
                "key " + keyId + " has no key-encryption key: it was destroyed or never created"));
    }

    private void evictLocked(KeyId keyId) {
        cache.asMap().keySet().removeIf(key -> key.keyId().equals(keyId));
    }

    private Object lockFor(KeyId keyId) {
        return locks[Math.floorMod(keyId.hashCode(), LOCK_STRIPES)];
    }

    /**
     * The account is part of the key, so that a hit is always for the account the material was
     * unwrapped (and its binding checked) for, as a miss would be.
     */
    private record CacheKey(AccountId account, KeyId keyId, KeyVersionId versionId) {
    }
}
