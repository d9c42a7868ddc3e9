package org.opencmk.kms.server.usage;

import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.asymmetric.AsymmetricCiphers;
import org.opencmk.kms.crypto.asymmetric.AsymmetricPublicKey;
import org.opencmk.kms.crypto.asymmetric.MessageType;
import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;
import org.opencmk.kms.crypto.asymmetric.SignatureAlgorithm;
import org.opencmk.kms.crypto.asymmetric.Signatures;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.query.keyview.KeyRecord;
import org.opencmk.kms.query.keyview.KeyVersion;
import org.opencmk.kms.query.keyview.KeyView;
import org.springframework.stereotype.Service;

/**
 * Asymmetric cryptography with a CMK (CTyun guide 3.4; seed 004 "非对称加解密", "签名验签"):
 * public keys, signing and verifying, decryption with the private key, and returning a plaintext
 * under a caller's public key. Every call names a key version or takes the newest; private keys
 * never leave the key hierarchy. Like {@link CryptoService}: CPU only, on in-memory state.
 */
@Service
public class AsymmetricCryptoService {

    /** A key version's public key. */
    public record PublicKeyOf(KeyRecord key, KeyVersion version, byte[] der) {
    }

    /** A signature, and the key version that made it. */
    public record Signed(KeyRecord key, KeyVersion version, byte[] signature) {
    }

    /** Whether a signature is valid under the key version. */
    public record Verified(KeyRecord key, KeyVersion version, boolean valid) {
    }

    private final KeyHierarchy keyHierarchy;
    private final UsableKeys usableKeys;

    public AsymmetricCryptoService(KeyView view, KeyHierarchy keyHierarchy) {
        this.keyHierarchy = keyHierarchy;
        this.usableKeys = new UsableKeys(view);
    }

    /** GetPublicKey: the public key of the version named, or of the newest. */
    public PublicKeyOf publicKey(AccountId account, String keyIdOrAlias, String keyVersionId) {
        KeyRecord key = usableKeys.resolve(account, keyIdOrAlias, UsableKeys.Use.PUBLIC_KEY);
        KeyVersion version = UsableKeys.version(key, keyVersionId);
        return new PublicKeyOf(key, version, version.publicKey().der());
    }

    /** SignByAsymmetricKey. */
    public Signed sign(AccountId account, String keyIdOrAlias, String keyVersionId, String algorithm,
                       String messageType, byte[] message) {
        KeyRecord key = usableKeys.resolve(account, keyIdOrAlias, UsableKeys.Use.SIGN);
        SignatureAlgorithm signature = signatureAlgorithm(algorithm, key.keySpec());
        MessageType type = messageType(messageType, message);
        KeyVersion version = UsableKeys.version(key, keyVersionId);
        try {
            return new Signed(key, version, keyHierarchy.sign(key.account(), key.keyId(), version.id(),
                    version.material(), key.keySpec(), signature, type, message));
        } catch (KeyMaterialUnavailableException deletedMeanwhile) {
            throw KmsException.keyNotFound(key.keyId());
        }
    }

    /**
     * VerifyByAsymmetricKey, with the version's public key: no private key is touched. An invalid
     * signature is an answer ({@code SignatureValid} false), not an error.
     */
    public Verified verify(AccountId account, String keyIdOrAlias, String keyVersionId, String algorithm,
                           String messageType, byte[] message, byte[] signature) {
        KeyRecord key = usableKeys.resolve(account, keyIdOrAlias, UsableKeys.Use.SIGN);
        SignatureAlgorithm signatureAlgorithm = signatureAlgorithm(algorithm, key.keySpec());
        MessageType type = messageType(messageType, message);
        KeyVersion version = UsableKeys.version(key, keyVersionId);
        AsymmetricPublicKey publicKey = AsymmetricPublicKey.fromDer(version.publicKey().der());
        return new Verified(key, version, Signatures.verify(publicKey, signatureAlgorithm, type, message, signature));
    }

    /**
     * AsymmetricRsaDecrypt and AsymmetricSm2Decrypt: decrypts what the version's public key
     * encrypted. {@code scheme} must fit the key (the action decides which it names).
     */
    public CryptoService.Opened decrypt(AccountId account, String keyIdOrAlias, String keyVersionId,
                                        PublicKeyEncryption scheme, byte[] ciphertext) {
        KeyRecord key = usableKeys.resolve(account, keyIdOrAlias, UsableKeys.Use.ASYMMETRIC_DECRYPT);
        if (!scheme.fits(key.keySpec())) {
            throw new KmsException(KmsError.ALGORITHM_NOT_FOR_KEY,
                    scheme + " does not decrypt with a key of spec " + key.keySpec());
        }
        KeyVersion version = UsableKeys.version(key, keyVersionId);
        try {
            SecretBytes plaintext = keyHierarchy.decrypt(key.account(), key.keyId(), version.id(), version.material(),
                    key.keySpec(), scheme, ciphertext);
            return new CryptoService.Opened(key, version, plaintext);
        } catch (KeyMaterialUnavailableException deletedMeanwhile) {
            throw KmsException.keyNotFound(key.keyId());
        } catch (DecryptionFailedException e) {
            throw new KmsException(KmsError.DECRYPT_FAILED,
                    "the ciphertext does not decrypt with this key version and algorithm");
        }
    }

    /**
     * A plaintext encrypted under the caller's {@code EncryptionPublicKey} (PEM), for Decrypt and
     * GenerateDataKey: the plaintext then never leaves the service unencrypted. The algorithm is
     * Tencent's {@code EncryptionAlgorithm}, SM2 (C1C3C2) when none is given.
     */
    public byte[] encryptForCaller(String encryptionPublicKey, String encryptionAlgorithm, byte[] plaintext) {
        PublicKeyEncryption scheme = encryptionAlgorithm == null || encryptionAlgorithm.isEmpty()
                ? PublicKeyEncryption.SM2 : named(PublicKeyEncryption.class, encryptionAlgorithm, "EncryptionAlgorithm");
        AsymmetricPublicKey publicKey;
        try {
            publicKey = AsymmetricPublicKey.fromPem(encryptionPublicKey);
        } catch (IllegalArgumentException e) {
            throw new KmsException(KmsError.INVALID_ENCRYPTION_PUBLIC_KEY,
                    "EncryptionPublicKey must be a PEM PUBLIC KEY of RSA-2048 or SM2: " + e.getMessage());
        }
        if (!scheme.fits(publicKey.spec())) {
            throw new KmsException(KmsError.INVALID_ENCRYPTION_PUBLIC_KEY,
                    "EncryptionAlgorithm " + scheme + " does not encrypt under a " + publicKey.spec() + " public key");
        }
        try {
            return AsymmetricCiphers.encrypt(publicKey, scheme, plaintext);
        } catch (IllegalArgumentException tooLong) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE,
                    "the plaintext is too long for " + scheme + " under this public key: " + tooLong.getMessage());
        }
    }

    private static SignatureAlgorithm signatureAlgorithm(String algorithm, KeySpec spec) {
        if (algorithm == null || algorithm.isEmpty()) {
            throw new KmsException(KmsError.MISSING_PARAMETER, "Algorithm is required");
        }
        SignatureAlgorithm named = named(SignatureAlgorithm.class, algorithm, "Algorithm");
        if (!named.fits(spec)) {
            throw new KmsException(KmsError.ALGORITHM_NOT_FOR_KEY,
                    "Algorithm " + named + " does not sign with a key of spec " + spec);
        }
        return named;
    }

    private static MessageType messageType(String messageType, byte[] message) {
        MessageType type = messageType == null || messageType.isEmpty()
                ? MessageType.RAW : named(MessageType.class, messageType, "MessageType");
        if (!type.accepts(message.length)) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE, type == MessageType.RAW
                    ? "a RAW Message has 1 to " + MessageType.MAX_RAW_LENGTH + " bytes; sign a DIGEST of a longer one"
                    : "a DIGEST Message has exactly " + MessageType.DIGEST_LENGTH + " bytes");
        }
        return type;
    }

    private static <E extends Enum<E>> E named(Class<E> type, String value, String field) {
        try {
            return Enum.valueOf(type, value);
        } catch (IllegalArgumentException e) {
            throw new KmsException(type == MessageType.class ? KmsError.INVALID_PARAMETER_VALUE : KmsError.ALGORITHM_NOT_FOR_KEY,
                    field + " " + value + " is not one of " + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }
}
