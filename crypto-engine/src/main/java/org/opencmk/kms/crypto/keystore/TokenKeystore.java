package org.opencmk.kms.crypto.keystore;

import org.opencmk.kms.crypto.CiphertextBlob;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.asymmetric.MessageType;
import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;
import org.opencmk.kms.crypto.asymmetric.SignatureAlgorithm;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * A keystore that keeps every key version inside itself (protection level HSM; issue 16): a
 * version's material is a non-extractable object in the token, created there (or imported into it
 * once), and every operation with it runs there. What the KMS holds of a version, and carries in
 * its events as {@link WrappedKeyMaterial}, is only a <em>reference</em> to that object, bound to
 * account, key and version like a wrapped form; it is worthless without the token.
 *
 * <p>So {@link #unwrapMaterial} always throws: material never leaves. {@link #wrapMaterial} is the
 * import: the material enters the token as a new object (the caller then zeroes its copy). {@link
 * #destroyKeyEncryptionKey} destroys every object of the CMK in the token.
 *
 * <p>Ciphertexts are the {@link CiphertextBlob}s the software path writes (format 2, the same
 * algorithm ids): the message key is derived and used inside the token, so a blob says nothing of
 * where its key lives, and decryption is routed by the key, never by the blob.
 *
 * <p>Faults: when the token cannot be reached (library failure, token removed, not logged in),
 * every operation throws {@link KeystoreUnavailableException}; the keystore recovers by itself
 * once the token is back. A spec or algorithm the token does not offer throws {@link
 * UnsupportedByKeystoreException}. Thread-safe. {@code KeystoreContract} and {@code
 * TokenKeystoreContract} are the test suites.
 */
public interface TokenKeystore extends Keystore {

    /** True if {@code kekReference} was made by a token keystore (whatever the token), so never software's. */
    boolean owns(byte[] kekReference);

    /** True if the token can hold and use keys of {@code spec} (SoftHSM2 has no SM2 or SM4, for one). */
    boolean supports(KeySpec spec);

    /** True if the token answers and the session is logged in now; never throws. */
    boolean available();

    /**
     * A fresh symmetric key for a new version, generated inside the token.
     *
     * @return the reference of the version's object, to be carried in the version's event
     */
    WrappedKeyMaterial generateMaterial(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            KeySpec spec);

    /** A new version of an asymmetric key: the reference of its private key object, and its public key. */
    record TokenKeyPair(WrappedKeyMaterial privateKey, byte[] publicKey) {
        public TokenKeyPair {
            publicKey = publicKey.clone();
        }

        /** The DER {@code SubjectPublicKeyInfo}; a copy. */
        @Override
        public byte[] publicKey() {
            return publicKey.clone();
        }
    }

    /** A fresh key pair for a new version, generated inside the token; the private key never leaves it. */
    TokenKeyPair generateKeyPair(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            KeySpec spec);

    /**
     * Encrypts under one version, inside the token, into a {@link CiphertextBlob} (format 2).
     *
     * @param context the encryption context in canonical bytes, empty when none
     */
    byte[] encrypt(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial version, KeySpec spec, byte[] plaintext, byte[] context);

    /**
     * Decrypts a blob under the version it names ({@code version} is that version's reference).
     *
     * @throws DecryptionFailedException if the blob or the context is not what it was encrypted with
     */
    byte[] decrypt(byte[] kekReference, AccountId account, WrappedKeyMaterial version, CiphertextBlob blob,
            byte[] context);

    /** Signs inside the token, with the same encodings as {@code Signatures.sign}. */
    byte[] sign(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial version, KeySpec spec, SignatureAlgorithm algorithm, MessageType type, byte[] message);

    /**
     * Decrypts, inside the token, what the version's public key encrypted (as {@code
     * AsymmetricCiphers.decrypt}); the caller owns the plaintext.
     *
     * @throws DecryptionFailedException if the ciphertext does not decrypt with this version
     */
    SecretBytes decrypt(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial version, KeySpec spec, PublicKeyEncryption scheme, byte[] ciphertext);
}
