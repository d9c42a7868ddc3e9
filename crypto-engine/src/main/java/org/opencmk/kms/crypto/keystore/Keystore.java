package org.opencmk.kms.crypto.keystore;

import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * The top two levels of the key hierarchy: a root key, and one key-encryption key (KEK) per CMK
 * under which that CMK's version material is wrapped (DESIGN.md "Key hierarchy").
 *
 * <p>A KEK is known to the rest of the KMS only by an opaque <em>reference</em>, which the caller
 * persists outside the event store (see {@code KekRepository}) so that it can be deleted: for the
 * software keystore the reference is the KEK wrapped under the root key; a PKCS#11 keystore will
 * return the handle of a token object. Every wrapped form is bound to what it belongs to (key id,
 * version id, purpose), so it cannot be unwrapped in another role.
 *
 * <p>Implementations are thread-safe. {@code KeystoreContract} is the test suite every
 * implementation must pass.
 */
public interface Keystore extends AutoCloseable {

    /** Where this keystore keeps its root; recorded with every CMK it serves. */
    ProtectionLevel protectionLevel();

    /**
     * Creates a fresh KEK for the CMK {@code keyId} of {@code account} and returns its reference,
     * to be persisted. The reference is bound to both: it serves no other key or account.
     */
    byte[] createKeyEncryptionKey(AccountId account, KeyId keyId);

    /**
     * The reference of the same KEK bound to {@code account} as well, for a reference written
     * before KEKs were bound to their owning account; a reference already bound is returned as
     * it is.
     *
     * @throws KeyMaterialUnavailableException if {@code kekReference} is not {@code keyId}'s KEK
     *     (or is bound to another account)
     */
    byte[] bindKeyEncryptionKey(byte[] kekReference, AccountId account, KeyId keyId);

    /**
     * Destroys whatever the keystore itself holds of this KEK. Nothing for the software keystore,
     * where deleting the reference is the destruction; the token object for PKCS#11. Idempotent,
     * since a crash may repeat it.
     */
    void destroyKeyEncryptionKey(KeyId keyId, byte[] kekReference);

    /**
     * Wraps one version's material under the CMK's KEK, bound to {@code account}, {@code keyId}
     * and {@code versionId}. The caller keeps ownership of {@code material}.
     *
     * @throws KeyMaterialUnavailableException if {@code kekReference} is not the KEK of
     *     {@code keyId} of {@code account}
     */
    WrappedKeyMaterial wrapMaterial(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            SecretBytes material);

    /**
     * Unwraps what {@link #wrapMaterial} made; the caller owns, and destroys, the result.
     *
     * @throws KeyMaterialUnavailableException if the KEK reference, the ids or the wrapped bytes do
     *     not belong together
     */
    SecretBytes unwrapMaterial(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial wrapped);

    /**
     * A keyed fingerprint of key material imported into the CMK {@code keyId} of {@code account}:
     * 32 bytes that are equal for the same material under the same KEK, key and account, and
     * unrelated otherwise. A CMK with imported material is bound for good to the first material
     * imported; comparing fingerprints lets a later import prove it brings the same material
     * without the KMS keeping that material, or a plain hash of it (which would confirm guesses of
     * low-entropy material and link CMKs that share material), beyond its wrapped form. The
     * fingerprint dies with the KEK: after crypto-shredding nothing can be compared with it. The
     * caller keeps ownership of {@code material}.
     *
     * <p>The construction is part of the persisted state (every stored fingerprint depends on it),
     * so an implementation documents it and never changes it.
     *
     * @throws KeyMaterialUnavailableException if {@code kekReference} is not the KEK of
     *     {@code keyId} of {@code account}
     */
    byte[] fingerprintMaterial(byte[] kekReference, AccountId account, KeyId keyId, SecretBytes material);

    /**
     * Wraps a secret of the KMS itself (an API secret key, for one) directly under the root key,
     * bound to {@code purpose} (for example {@code "api-secret-key:" + secretId}).
     */
    byte[] wrapSecret(String purpose, SecretBytes secret);

    /**
     * Unwraps what {@link #wrapSecret} made for the same {@code purpose}; the caller owns the
     * result.
     *
     * @throws KeyMaterialUnavailableException for another purpose or altered bytes
     */
    SecretBytes unwrapSecret(String purpose, byte[] wrapped);

    /** Forgets the root (zeroes it, or logs out of the token); the keystore is unusable afterwards. */
    @Override
    void close();
}
