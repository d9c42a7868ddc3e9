package org.opencmk.kms.crypto.keystore.pkcs11;

import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_CLASS;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_DECRYPT;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_DERIVE;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_EC_PARAMS;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_EC_POINT;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_ENCRYPT;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_EXTRACTABLE;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_ID;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_KEY_TYPE;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_LABEL;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_MODULUS;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_MODULUS_BITS;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_PRIVATE;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_PUBLIC_EXPONENT;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_SENSITIVE;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_SIGN;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_TOKEN;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_VALUE;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_VALUE_LEN;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_VERIFY;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKG_MGF1_SHA1;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKG_MGF1_SHA256;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKK_AES;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKK_GENERIC_SECRET;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_AES_ECB;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_AES_ECB_ENCRYPT_DATA;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_AES_GCM;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_AES_KEY_GEN;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_ECDSA;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_EC_KEY_PAIR_GEN;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_GENERIC_SECRET_KEY_GEN;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_RSA_PKCS;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_RSA_PKCS_KEY_PAIR_GEN;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_RSA_PKCS_OAEP;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_RSA_PKCS_PSS;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_RSA_X_509;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_SHA256;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_SHA256_HMAC;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_SHA256_RSA_PKCS;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_SHA256_RSA_PKCS_PSS;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKM_SHA_1;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKO_PRIVATE_KEY;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKO_PUBLIC_KEY;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKO_SECRET_KEY;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKZ_DATA_SPECIFIED;

import com.sun.jna.Memory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.AsymmetricBlockCipher;
import org.bouncycastle.crypto.CipherParameters;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.encodings.OAEPEncoding;
import org.opencmk.kms.crypto.CiphertextBlob;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.DelegatedBlockCipherBlobs;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.SymmetricAlgorithm;
import org.opencmk.kms.crypto.asymmetric.MessageType;
import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;
import org.opencmk.kms.crypto.asymmetric.SignatureAlgorithm;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.KeystoreUnavailableException;
import org.opencmk.kms.crypto.keystore.TokenKeystore;
import org.opencmk.kms.crypto.keystore.UnsupportedByKeystoreException;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * The keystore of a PKCS#11 token (protection level HSM; DESIGN.md "Key hierarchy", issue 16),
 * reached through pkcs11jna, a JNA binding of the whole Cryptoki API. Not SunPKCS11: it has no
 * AES key wrap, no RSA-OAEP and no C_DeriveKey (NOTES.md "SoftHSM2").
 *
 * <p>Token objects, each with {@code CKA_TOKEN}, {@code CKA_PRIVATE}, {@code CKA_SENSITIVE} and
 * not {@code CKA_EXTRACTABLE}:
 *
 * <ul>
 *   <li>the root key, AES-256, label {@value #ROOT_LABEL}, generated on first use and found by
 *       label afterwards: it wraps the KMS's own secrets ({@link #wrapSecret});
 *   <li>per CMK, a key-encryption key, a 32-byte generic secret used only for HMAC-SHA256
 *       (fingerprints of imported material); label {@code opencmk/kek/<account>/<keyId>/<tag>};
 *   <li>per version, its AES-256 material or its private key, label {@code
 *       opencmk/version/<account>/<keyId>/<versionId>/<tag>}.
 * </ul>
 *
 * Every object of a CMK has {@code CKA_ID} = the 16 bytes of its key id, so that {@link
 * #destroyKeyEncryptionKey} finds them all. References are described in {@link TokenReference};
 * objects are found by label, the handle cached until it turns invalid or the token is reopened.
 *
 * <p>Fingerprint of imported material (never change it: stored fingerprints depend on it):
 * {@code HMAC-SHA256(KEK, "opencmk/import-fingerprint" 0x00 || account (8 bytes, big-endian) ||
 * keyId (16) || material)}, {@code CKM_SHA256_HMAC} inside the token under the CMK's KEK. (The
 * software keystore's HKDF step is left out: SoftHSM2 2.6 has no {@code CKM_HKDF_DERIVE}, and
 * the KEK is an HMAC key of its own, used for nothing else.)
 *
 * <p>Wrapped secret, under the root key ({@code CKM_AES_GCM} in the token):
 * {@code 'T' || 0x03 || nonce (12) || ciphertext || tag (16)}, associated data the first 14 bytes
 * followed by {@code "opencmk/secret" 0x00 || purpose (UTF-8)}, as in the software keystore.
 *
 * <p>Symmetric encryption writes the software path's {@link CiphertextBlob} format 2 (XAES-256-GCM,
 * see {@link DelegatedBlockCipherBlobs}): {@code L = E_K(0^128)} is computed once per version
 * with {@code CKM_AES_ECB} in the token, and {@code L}'s doubling {@code K1} is cached on the host
 * (secret, but neither the material nor any message key); each message key is then derived
 * inside the token by {@code C_DeriveKey(CKM_AES_ECB_ENCRYPT_DATA, (M1 XOR K1) || (M2 XOR K1))}
 * into a sensitive, non-extractable session object, used for {@code CKM_AES_GCM} and destroyed.
 * So a version's material needs {@code CKA_ENCRYPT} (for {@code L}) and {@code CKA_DERIVE}.
 *
 * <p>RSAES-OAEP with SHA-256: SoftHSM2 2.6.1 accepts only SHA-1 in {@code CKM_RSA_PKCS_OAEP} (it
 * answers {@code CKR_ARGUMENTS_BAD} at {@code C_DecryptInit} for SHA-256), so the
 * token runs the raw RSA decryption ({@code CKM_RSA_X_509}) and the host removes the OAEP padding
 * (BouncyCastle's {@link OAEPEncoding}); the private key stays in the token, the padded message
 * passes through host memory and is zeroed.
 *
 * <p>Faults: see {@link TokenConnection} for recovery; a full token throws {@link
 * KeystoreUnavailableException} saying so; an object a reference names but the token lacks,
 * {@link KeyMaterialUnavailableException}. No message ever contains the PIN. Thread-safe.
 */
public final class Pkcs11Keystore implements TokenKeystore {

    static final String ROOT_LABEL = "opencmk/root";
    /** Sessions in the pool: one per concurrent operation. */
    public static final int DEFAULT_SESSIONS = 4;
    /** Re-open attempts after a token failure come at most this often. */
    public static final Duration DEFAULT_RETRY_INTERVAL = Duration.ofSeconds(1);

    private static final int AES_256_LENGTH = 32;
    private static final int BLOCK_LENGTH = 16;
    private static final int TAG_BITS = SymmetricAlgorithm.TAG_LENGTH * 8;
    private static final int RSA_BITS = 2048;
    private static final int RSA_LENGTH = RSA_BITS / 8;
    private static final int PSS_SALT_LENGTH = 32;
    private static final byte SECRET_KIND = 0x03;
    private static final int SECRET_HEADER_LENGTH = 2 + SymmetricAlgorithm.NONCE_LENGTH;
    private static final byte[] SECRET_LABEL = label("opencmk/secret");
    private static final byte[] FINGERPRINT_LABEL = label("opencmk/import-fingerprint");
    private static final byte[] PUBLIC_EXPONENT = {0x01, 0x00, 0x01};
    /** DER of the OID secp256r1, CKA_EC_PARAMS of P-256. */
    private static final byte[] P256_PARAMS = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x03, 0x01, 0x07};
    /** DER DigestInfo prefix for SHA-256 (RFC 8017 section 9.2 note 1). */
    private static final byte[] SHA256_DIGEST_INFO = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, (byte) 0x86, 0x48, 0x01,
        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    private static final BigInteger P256_ORDER =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    private final TokenConnection connection;
    private final Map<String, long[]> handles = new ConcurrentHashMap<>();
    private final Map<String, byte[]> k1s = new ConcurrentHashMap<>();
    private final Object rootCreation = new Object();

    private Pkcs11Keystore(TokenConnection connection) {
        this.connection = connection;
    }

    /**
     * Opens the keystore of the token labelled {@code tokenLabel}, logging in with {@code pin}
     * (copied; the caller zeroes its array).
     *
     * @throws KeystoreUnavailableException if the library does not load, no slot holds that
     *     token, or the PIN is refused
     */
    public static Pkcs11Keystore openByLabel(String libraryPath, String tokenLabel, char[] pin) {
        Objects.requireNonNull(tokenLabel, "tokenLabel");
        return open(libraryPath, new TokenConnection.TokenSelector(tokenLabel, -1), pin, DEFAULT_RETRY_INTERVAL,
                Clock.systemUTC());
    }

    /**
     * Opens the keystore of the token in the {@code slotIndex}-th slot that holds a token (SoftHSM2
     * puts a new token in a random slot id, so an index, not an id).
     *
     * @throws KeystoreUnavailableException as {@link #openByLabel}
     */
    public static Pkcs11Keystore openBySlotIndex(String libraryPath, int slotIndex, char[] pin) {
        return open(libraryPath, new TokenConnection.TokenSelector(null, slotIndex), pin, DEFAULT_RETRY_INTERVAL,
                Clock.systemUTC());
    }

    static Pkcs11Keystore open(String libraryPath, TokenConnection.TokenSelector selector, char[] pin,
            Duration retryInterval, Clock clock) {
        Objects.requireNonNull(libraryPath, "libraryPath");
        Objects.requireNonNull(pin, "pin");
        return new Pkcs11Keystore(new TokenConnection(libraryPath, selector, pin, DEFAULT_SESSIONS, retryInterval, clock));
    }

    @Override
    public ProtectionLevel protectionLevel() {
        return ProtectionLevel.HSM;
    }

    @Override
    public boolean owns(byte[] kekReference) {
        return isTokenReference(kekReference);
    }

    /**
     * True if {@code reference} was made by a PKCS#11 keystore (of any token): what a server that
     * cannot open its token uses to refuse, rather than try in software, an HSM key.
     */
    public static boolean isTokenReference(byte[] reference) {
        return TokenReference.looksLikeOne(reference);
    }

    @Override
    public boolean supports(KeySpec spec) {
        // SoftHSM2 has no SM2 or SM4; a token that has them would need their mechanisms here too.
        return spec == KeySpec.AES_256 || spec == KeySpec.RSA_2048 || spec == KeySpec.ECC_P256;
    }

    @Override
    public boolean available() {
        return connection.available();
    }

    // ---- key-encryption keys ----

    @Override
    public byte[] createKeyEncryptionKey(AccountId account, KeyId keyId) {
        Objects.requireNonNull(account, "account");
        TokenReference kek = TokenReference.newKek(account, keyId);
        call((c, s) -> c.generateKey(s, Cryptoki.mechanism(CKM_GENERIC_SECRET_KEY_GEN), secretTemplate(kek)
                .with(CKA_KEY_TYPE, CKK_GENERIC_SECRET).with(CKA_VALUE_LEN, AES_256_LENGTH).with(CKA_SIGN, true)));
        return kek.toBytes();
    }

    @Override
    public byte[] bindKeyEncryptionKey(byte[] kekReference, AccountId account, KeyId keyId) {
        requireKek(TokenReference.kek(kekReference, account, keyId));
        return kekReference;
    }

    @Override
    public void destroyKeyEncryptionKey(KeyId keyId, byte[] kekReference) {
        if (!owns(kekReference) || kekReference.length != TokenReference.KEK_LENGTH) {
            throw new KeyMaterialUnavailableException("the key-encryption key reference of key " + keyId
                    + " is not a PKCS#11 token's");
        }
        AccountId account = new AccountId(ByteBuffer.wrap(kekReference, 2, 8).getLong());
        TokenReference kek = TokenReference.kek(kekReference, account, keyId);
        String kekPrefix = "opencmk/kek/" + account.value() + "/" + keyId.uuid() + "/";
        String versionPrefix = "opencmk/version/" + account.value() + "/" + keyId.uuid() + "/";
        call((c, s) -> {
            for (long object : c.findById(s, kek.objectId())) {
                String label = new String(c.attribute(s, object, CKA_LABEL), StandardCharsets.UTF_8);
                if (label.startsWith(kekPrefix) || label.startsWith(versionPrefix)) {
                    c.destroyObject(s, object);
                }
            }
            return null;
        });
        handles.keySet().removeIf(label -> label.startsWith(kekPrefix) || label.startsWith(versionPrefix));
        k1s.keySet().removeIf(label -> label.startsWith(versionPrefix));
    }

    @Override
    public byte[] fingerprintMaterial(byte[] kekReference, AccountId account, KeyId keyId, SecretBytes material) {
        Objects.requireNonNull(material, "material");
        TokenReference kek = TokenReference.kek(kekReference, account, keyId);
        byte[] input = ByteBuffer.allocate(FINGERPRINT_LABEL.length + 8 + 16 + material.length())
                .put(FINGERPRINT_LABEL).putLong(account.value()).put(kek.objectId()).put(material.insecureBytes())
                .array();
        try {
            return withObject(kek, (c, s, handle) -> c.sign(s, Cryptoki.mechanism(CKM_SHA256_HMAC), handle, input, 32));
        } finally {
            Arrays.fill(input, (byte) 0);
        }
    }

    // ---- versions ----

    @Override
    public WrappedKeyMaterial wrapMaterial(byte[] kekReference, AccountId account, KeyId keyId,
            KeyVersionId versionId, SecretBytes material) {
        TokenReference kek = TokenReference.kek(kekReference, account, keyId);
        if (material.length() != AES_256_LENGTH) {
            throw new UnsupportedByKeystoreException("the PKCS#11 keystore imports AES-256 material only (32 bytes, not "
                    + material.length() + ")");
        }
        TokenReference version = kek.newVersion(versionId);
        requireKek(kek);
        call((c, s) -> c.createObject(s, aesTemplate(version).with(CKA_VALUE, material.insecureBytes())));
        return new WrappedKeyMaterial(version.toBytes());
    }

    @Override
    public SecretBytes unwrapMaterial(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial wrapped) {
        throw new KeyMaterialUnavailableException("the material of key " + keyId + " version " + versionId
                + " is in a PKCS#11 token: HSM material never leaves the token");
    }

    @Override
    public WrappedKeyMaterial generateMaterial(byte[] kekReference, AccountId account, KeyId keyId,
            KeyVersionId versionId, KeySpec spec) {
        TokenReference kek = TokenReference.kek(kekReference, account, keyId);
        if (spec != KeySpec.AES_256) {
            throw new UnsupportedByKeystoreException("the PKCS#11 keystore cannot generate " + spec + " material");
        }
        TokenReference version = kek.newVersion(versionId);
        requireKek(kek);
        call((c, s) -> c.generateKey(s, Cryptoki.mechanism(CKM_AES_KEY_GEN),
                aesTemplate(version).with(CKA_VALUE_LEN, AES_256_LENGTH)));
        return new WrappedKeyMaterial(version.toBytes());
    }

    @Override
    public TokenKeyPair generateKeyPair(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            KeySpec spec) {
        TokenReference kek = TokenReference.kek(kekReference, account, keyId);
        TokenReference version = kek.newVersion(versionId);
        Cryptoki.Template publicKey = new Cryptoki.Template().with(CKA_CLASS, CKO_PUBLIC_KEY).with(CKA_TOKEN, false)
                .with(CKA_VERIFY, true);
        Cryptoki.Template privateKey = new Cryptoki.Template().with(CKA_CLASS, CKO_PRIVATE_KEY).with(CKA_TOKEN, true)
                .with(CKA_PRIVATE, true).with(CKA_SENSITIVE, true).with(CKA_EXTRACTABLE, false).with(CKA_SIGN, true)
                .with(CKA_LABEL, version.label()).with(CKA_ID, version.objectId());
        long mechanism;
        switch (spec) {
            case RSA_2048 -> {
                mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
                publicKey.with(CKA_MODULUS_BITS, RSA_BITS).with(CKA_PUBLIC_EXPONENT, PUBLIC_EXPONENT)
                        .with(CKA_ENCRYPT, true);
                privateKey.with(CKA_DECRYPT, true);
            }
            case ECC_P256 -> {
                mechanism = CKM_EC_KEY_PAIR_GEN;
                publicKey.with(CKA_EC_PARAMS, P256_PARAMS);
            }
            default -> throw new UnsupportedByKeystoreException("the PKCS#11 keystore cannot generate " + spec
                    + " key pairs");
        }
        requireKek(kek);
        byte[] der = call((c, s) -> {
            long[] pair = c.generateKeyPair(s, Cryptoki.mechanism(mechanism), publicKey, privateKey);
            try {
                return spec == KeySpec.RSA_2048
                        ? rsaPublicKey(c.attribute(s, pair[0], CKA_MODULUS), c.attribute(s, pair[0], CKA_PUBLIC_EXPONENT))
                        : ecPublicKey(c.attribute(s, pair[0], CKA_EC_POINT));
            } finally {
                c.destroyObject(s, pair[0]);
            }
        });
        return new TokenKeyPair(new WrappedKeyMaterial(version.toBytes()), der);
    }

    // ---- symmetric encryption ----

    @Override
    public byte[] encrypt(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial version, KeySpec spec, byte[] plaintext, byte[] context) {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(context, "context");
        TokenReference reference = TokenReference.kek(kekReference, account, keyId).version(version.bytes(), versionId);
        if (spec != KeySpec.AES_256) {
            throw new UnsupportedByKeystoreException("the PKCS#11 keystore has no " + spec + " encryption");
        }
        SymmetricAlgorithm algorithm = SymmetricAlgorithm.AES_256_GCM;
        byte[] blob = DelegatedBlockCipherBlobs.newBlob(algorithm, keyId, versionId, plaintext.length);
        byte[] sealed = withObject(reference, (c, s, material) -> {
            long messageKey = deriveMessageKey(c, s, material, reference, algorithm, blob);
            try {
                return c.encrypt(s, gcm(blob, context), messageKey, plaintext,
                        plaintext.length + SymmetricAlgorithm.TAG_LENGTH);
            } finally {
                c.destroyObject(s, messageKey);
            }
        });
        System.arraycopy(sealed, 0, blob, CiphertextBlob.HEADER_LENGTH, sealed.length);
        return blob;
    }

    @Override
    public byte[] decrypt(byte[] kekReference, AccountId account, WrappedKeyMaterial version, CiphertextBlob blob,
            byte[] context) {
        Objects.requireNonNull(context, "context");
        TokenReference reference = TokenReference.kek(kekReference, account, blob.keyId())
                .version(version.bytes(), blob.versionId());
        if (blob.formatVersion() != CiphertextBlob.FORMAT_VERSION
                || blob.algorithm() != SymmetricAlgorithm.AES_256_GCM) {
            throw new DecryptionFailedException();
        }
        byte[] bytes = blob.toBytes();
        byte[] sealed = Arrays.copyOfRange(bytes, CiphertextBlob.HEADER_LENGTH, bytes.length);
        return withObject(reference, (c, s, material) -> {
            long messageKey = deriveMessageKey(c, s, material, reference, blob.algorithm(), bytes);
            try {
                return c.decrypt(s, gcm(bytes, context), messageKey, sealed, blob.plaintextLength());
            } catch (Pkcs11Error e) {
                throw decryptionFailure(e);
            } finally {
                c.destroyObject(s, messageKey);
            }
        });
    }

    /** The message key of {@code blob} as a session object, derived inside the token. */
    private long deriveMessageKey(Cryptoki c, long session, long material, TokenReference reference,
            SymmetricAlgorithm algorithm, byte[] blob) {
        byte[] k1 = k1s.computeIfAbsent(reference.label(), label -> {
            byte[] l = c.encrypt(session, Cryptoki.mechanism(CKM_AES_ECB), material, new byte[BLOCK_LENGTH],
                    BLOCK_LENGTH);
            try {
                return DelegatedBlockCipherBlobs.k1(l);
            } finally {
                Arrays.fill(l, (byte) 0);
            }
        });
        byte[] input = DelegatedBlockCipherBlobs.derivationInput(algorithm, k1, blob);
        Memory data = MechanismParameters.memory(input);
        Arrays.fill(input, (byte) 0);
        try {
            MechanismParameters.DerivationStringData parameter =
                    new MechanismParameters.DerivationStringData(data, algorithm.keyLength());
            return c.deriveKey(session, Cryptoki.mechanism(CKM_AES_ECB_ENCRYPT_DATA, parameter), material,
                    new Cryptoki.Template().with(CKA_CLASS, CKO_SECRET_KEY).with(CKA_KEY_TYPE, CKK_AES)
                            .with(CKA_VALUE_LEN, algorithm.keyLength()).with(CKA_TOKEN, false)
                            .with(CKA_SENSITIVE, true).with(CKA_EXTRACTABLE, false)
                            .with(CKA_ENCRYPT, true).with(CKA_DECRYPT, true));
        } finally {
            data.clear(algorithm.keyLength());
        }
    }

    private static ru.rutoken.pkcs11jna.CK_MECHANISM gcm(byte[] blob, byte[] context) {
        return Cryptoki.mechanism(CKM_AES_GCM, new MechanismParameters.GcmParams(
                DelegatedBlockCipherBlobs.gcmNonce(blob), DelegatedBlockCipherBlobs.associatedData(blob, context),
                TAG_BITS));
    }

    // ---- asymmetric ----

    @Override
    public byte[] sign(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial version, KeySpec spec, SignatureAlgorithm algorithm, MessageType type, byte[] message) {
        TokenReference reference = TokenReference.kek(kekReference, account, keyId).version(version.bytes(), versionId);
        if (algorithm == SignatureAlgorithm.SM2DSA) {
            throw new UnsupportedByKeystoreException("the PKCS#11 keystore has no SM2DSA");
        }
        if (!algorithm.fits(spec) || !type.accepts(message.length)) {
            throw new IllegalArgumentException(algorithm + " does not sign a " + type + " of " + message.length
                    + " bytes with a " + spec + " key");
        }
        boolean raw = type == MessageType.RAW;
        return withObject(reference, (c, s, key) -> switch (algorithm) {
            case RSA_PSS_SHA_256 -> c.sign(s, Cryptoki.mechanism(raw ? CKM_SHA256_RSA_PKCS_PSS : CKM_RSA_PKCS_PSS,
                    new MechanismParameters.PssParams(CKM_SHA256, CKG_MGF1_SHA256, PSS_SALT_LENGTH)), key, message,
                    RSA_LENGTH);
            case RSA_PKCS1_SHA_256 -> raw
                    ? c.sign(s, Cryptoki.mechanism(CKM_SHA256_RSA_PKCS), key, message, RSA_LENGTH)
                    : c.sign(s, Cryptoki.mechanism(CKM_RSA_PKCS), key, concat(SHA256_DIGEST_INFO, message), RSA_LENGTH);
            case ECC_P256_R1 -> derSignature(c.sign(s, Cryptoki.mechanism(CKM_ECDSA), key,
                    raw ? sha256(message) : message, 64));
            case SM2DSA -> throw new UnsupportedByKeystoreException("the PKCS#11 keystore has no SM2DSA");
        });
    }

    @Override
    public SecretBytes decrypt(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial version, KeySpec spec, PublicKeyEncryption scheme, byte[] ciphertext) {
        TokenReference reference = TokenReference.kek(kekReference, account, keyId).version(version.bytes(), versionId);
        if (scheme == PublicKeyEncryption.SM2 || scheme == PublicKeyEncryption.SM2_C1C3C2_ASN1) {
            throw new UnsupportedByKeystoreException("the PKCS#11 keystore has no SM2 encryption");
        }
        if (!scheme.fits(spec)) {
            throw new IllegalArgumentException(scheme + " does not fit a " + spec + " key");
        }
        if (ciphertext.length != RSA_LENGTH) {
            throw new DecryptionFailedException();
        }
        return SecretBytes.takeOwnership(withObject(reference, (c, s, key) -> {
            try {
                return switch (scheme) {
                    case RSAES_PKCS1_V1_5 -> c.decrypt(s, Cryptoki.mechanism(CKM_RSA_PKCS), key, ciphertext, RSA_LENGTH);
                    case RSAES_OAEP_SHA_1 -> c.decrypt(s, Cryptoki.mechanism(CKM_RSA_PKCS_OAEP,
                            new MechanismParameters.OaepParams(CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED)), key,
                            ciphertext, RSA_LENGTH);
                    case RSAES_OAEP_SHA_256 -> oaepSha256(c.decrypt(s, Cryptoki.mechanism(CKM_RSA_X_509), key,
                            ciphertext, RSA_LENGTH));
                    case SM2, SM2_C1C3C2_ASN1 -> throw new UnsupportedByKeystoreException("no SM2 here");
                };
            } catch (Pkcs11Error e) {
                throw decryptionFailure(e);
            }
        }));
    }

    /** RFC 8017 OAEP decoding (SHA-256, MGF1-SHA-256, empty label) of the token's raw RSA output. */
    private static byte[] oaepSha256(byte[] encoded) {
        OAEPEncoding oaep = new OAEPEncoding(new AlreadyDecrypted(encoded), new SHA256Digest(), new SHA256Digest(), null);
        oaep.init(false, null);
        try {
            return oaep.processBlock(encoded, 0, encoded.length);
        } catch (InvalidCipherTextException e) {
            throw new DecryptionFailedException();
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    /**
     * The "RSA engine" under {@link OAEPEncoding}: the token already ran RSA, so it hands back
     * the encoded message without its leading zero byte, as BouncyCastle's RSA engine would.
     */
    private static final class AlreadyDecrypted implements AsymmetricBlockCipher {
        private final byte[] encoded;

        AlreadyDecrypted(byte[] encoded) {
            this.encoded = encoded;
        }

        @Override
        public void init(boolean forEncryption, CipherParameters parameters) {
        }

        @Override
        public int getInputBlockSize() {
            return RSA_LENGTH;
        }

        @Override
        public int getOutputBlockSize() {
            return RSA_LENGTH - 1;
        }

        @Override
        public byte[] processBlock(byte[] in, int inOff, int len) {
            // A leading non-zero byte is left in: OAEPEncoding then finds the block too long and fails.
            return encoded[0] == 0 ? Arrays.copyOfRange(encoded, 1, encoded.length) : encoded.clone();
        }
    }

    // ---- secrets under the root key ----

    @Override
    public byte[] wrapSecret(String purpose, SecretBytes secret) {
        byte[] wrapped = new byte[SECRET_HEADER_LENGTH + secret.length() + SymmetricAlgorithm.TAG_LENGTH];
        wrapped[0] = TokenReference.MAGIC;
        wrapped[1] = SECRET_KIND;
        byte[] nonce = RandomSource.randomBytes(SymmetricAlgorithm.NONCE_LENGTH);
        System.arraycopy(nonce, 0, wrapped, 2, nonce.length);
        byte[] associatedData = secretAssociatedData(wrapped, purpose);
        byte[] sealed = call((c, s) -> c.encrypt(s, Cryptoki.mechanism(CKM_AES_GCM,
                new MechanismParameters.GcmParams(nonce, associatedData, TAG_BITS)), rootKey(c, s),
                secret.insecureBytes(), secret.length() + SymmetricAlgorithm.TAG_LENGTH));
        System.arraycopy(sealed, 0, wrapped, SECRET_HEADER_LENGTH, sealed.length);
        return wrapped;
    }

    @Override
    public SecretBytes unwrapSecret(String purpose, byte[] wrapped) {
        KeyMaterialUnavailableException refused = new KeyMaterialUnavailableException("the secret for '" + purpose
                + "' cannot be unwrapped: it was wrapped for another purpose or root key, or altered");
        if (wrapped.length < SECRET_HEADER_LENGTH + SymmetricAlgorithm.TAG_LENGTH || wrapped[0] != TokenReference.MAGIC
                || wrapped[1] != SECRET_KIND) {
            throw refused;
        }
        byte[] nonce = Arrays.copyOfRange(wrapped, 2, SECRET_HEADER_LENGTH);
        byte[] associatedData = secretAssociatedData(wrapped, purpose);
        byte[] sealed = Arrays.copyOfRange(wrapped, SECRET_HEADER_LENGTH, wrapped.length);
        try {
            return SecretBytes.takeOwnership(call((c, s) -> {
                try {
                    return c.decrypt(s, Cryptoki.mechanism(CKM_AES_GCM,
                            new MechanismParameters.GcmParams(nonce, associatedData, TAG_BITS)), rootKey(c, s), sealed,
                            sealed.length - SymmetricAlgorithm.TAG_LENGTH);
                } catch (Pkcs11Error e) {
                    throw decryptionFailure(e);
                }
            }));
        } catch (DecryptionFailedException e) {
            throw refused;
        }
    }

    private long rootKey(Cryptoki c, long session) {
        long generation = connection.generation();
        long[] cached = handles.get(ROOT_LABEL);
        if (cached != null && cached[0] == generation) {
            return cached[1];
        }
        synchronized (rootCreation) {
            long[] found = c.findByLabel(session, CKO_SECRET_KEY, ROOT_LABEL);
            long handle = found.length > 0 ? found[0] : c.generateKey(session, Cryptoki.mechanism(CKM_AES_KEY_GEN),
                    new Cryptoki.Template().with(CKA_CLASS, CKO_SECRET_KEY).with(CKA_KEY_TYPE, CKK_AES)
                            .with(CKA_VALUE_LEN, AES_256_LENGTH).with(CKA_TOKEN, true).with(CKA_PRIVATE, true)
                            .with(CKA_SENSITIVE, true).with(CKA_EXTRACTABLE, false)
                            .with(CKA_ENCRYPT, true).with(CKA_DECRYPT, true).with(CKA_LABEL, ROOT_LABEL));
            handles.put(ROOT_LABEL, new long[] {generation, handle});
            return handle;
        }
    }

    /**
     * Labels of the token objects of {@code keyId}, and of the root key, that are not sensitive,
     * non-extractable token objects: what must stay empty.
     */
    java.util.List<String> exposedObjects(KeyId keyId) {
        return call((c, s) -> {
            java.util.List<String> exposed = new java.util.ArrayList<>();
            long[] objects = c.findById(s, TokenReference.uuidBytes(keyId.uuid()));
            long[] all = Arrays.copyOf(objects, objects.length + 1);
            all[objects.length] = rootKey(c, s);
            for (long object : all) {
                if (!isTrue(c.attribute(s, object, CKA_SENSITIVE)) || isTrue(c.attribute(s, object, CKA_EXTRACTABLE))
                        || !isTrue(c.attribute(s, object, CKA_TOKEN))) {
                    exposed.add(new String(c.attribute(s, object, CKA_LABEL), StandardCharsets.UTF_8));
                }
            }
            return exposed;
        });
    }

    private static boolean isTrue(byte[] ckBool) {
        return ckBool.length == 1 && ckBool[0] != 0;
    }

    /** How many token objects carry the key id of {@code keyId} (any account): what destruction must empty. */
    int countObjects(KeyId keyId) {
        return call((c, s) -> c.findById(s, TokenReference.uuidBytes(keyId.uuid())).length);
    }

    @Override
    public void close() {
        k1s.values().forEach(k1 -> Arrays.fill(k1, (byte) 0));
        k1s.clear();
        handles.clear();
        connection.close();
    }

    @Override
    public String toString() {
        return "Pkcs11Keystore[" + connection + "]";
    }

    // ---- plumbing ----

    private interface ObjectWork<T> {
        T run(Cryptoki cryptoki, long session, long handle);
    }

    private <T> T call(TokenConnection.SessionWork<T> work) {
        try {
            return connection.withSession(work);
        } catch (Pkcs11Error e) {
            if (ReturnCodes.unsupported(e.code())) {
                throw new UnsupportedByKeystoreException("the PKCS#11 token does not offer this: " + e.getMessage());
            }
            throw new KeystoreUnavailableException("the PKCS#11 token failed: " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code work} with the handle of the object {@code reference} names, found by label (and
     * cached); a handle gone invalid is looked up once more.
     */
    private <T> T withObject(TokenReference reference, ObjectWork<T> work) {
        String label = reference.label();
        return call((c, s) -> {
            for (int attempt = 0; ; attempt++) {
                long handle = handle(c, s, label, reference);
                try {
                    return work.run(c, s, handle);
                } catch (Pkcs11Error e) {
                    if (!ReturnCodes.handleInvalid(e.code()) || attempt > 0) {
                        throw e;
                    }
                    handles.remove(label);
                }
            }
        });
    }

    /**
     * Checks that the KEK is still in the token before a version is added under it (a destroyed
     * CMK gets no new objects), reading its label back rather than trusting a cached handle.
     */
    private void requireKek(TokenReference kek) {
        String label = kek.label();
        String found = withObject(kek, (c, s, handle) -> new String(c.attribute(s, handle, CKA_LABEL),
                StandardCharsets.UTF_8));
        if (!found.equals(label)) {
            handles.remove(label);
            withObject(kek, (c, s, handle) -> handle);
        }
    }

    private long handle(Cryptoki c, long session, String label, TokenReference reference) {
        long generation = connection.generation();
        long[] cached = handles.get(label);
        if (cached != null && cached[0] == generation) {
            return cached[1];
        }
        long[] found = c.findObjects(session, new Cryptoki.Template().with(CKA_TOKEN, true).with(CKA_LABEL, label));
        if (found.length == 0) {
            // A token pulled out finds nothing (SoftHSM2: its directory moved away; a cached handle
            // gave CKR_OBJECT_HANDLE_INVALID first): that is the token unavailable, not the key
            // destroyed, which would answer "no such key" for good.
            connection.requirePresent();
            throw new KeyMaterialUnavailableException(reference.kind() == TokenReference.KEK
                    ? "the key-encryption key of key " + KeyId.of(reference.keyId()) + " is not in the token (destroyed?)"
                    : "the material of key " + KeyId.of(reference.keyId()) + " version "
                            + KeyVersionId.of(reference.versionId()) + " is not in the token (destroyed?)");
        }
        handles.put(label, new long[] {generation, found[0]});
        return found[0];
    }

    private static Cryptoki.Template secretTemplate(TokenReference reference) {
        return new Cryptoki.Template().with(CKA_CLASS, CKO_SECRET_KEY).with(CKA_TOKEN, true).with(CKA_PRIVATE, true)
                .with(CKA_SENSITIVE, true).with(CKA_EXTRACTABLE, false)
                .with(CKA_LABEL, reference.label()).with(CKA_ID, reference.objectId());
    }

    /** A version's AES material: encrypts only as XAES needs it (L = E(0)), derives message keys. */
    private static Cryptoki.Template aesTemplate(TokenReference version) {
        return secretTemplate(version).with(CKA_KEY_TYPE, CKK_AES).with(CKA_ENCRYPT, true).with(CKA_DERIVE, true);
    }

    private static RuntimeException decryptionFailure(Pkcs11Error e) {
        long code = e.code();
        // SoftHSM2 2.6 answers a GCM tag mismatch with CKR_GENERAL_ERROR
        // (checked by generatedMaterialRoundTripsAndRefusesAnotherContextOrAlteredBytes).
        if (code == ReturnCodes.CKR_ENCRYPTED_DATA_INVALID || code == ReturnCodes.CKR_ENCRYPTED_DATA_LEN_RANGE
                || code == ReturnCodes.CKR_GENERAL_ERROR) {
            return new DecryptionFailedException();
        }
        return e;
    }

    private static byte[] rsaPublicKey(byte[] modulus, byte[] exponent) {
        return encode(new SubjectPublicKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption,
                DERNull.INSTANCE), encode(new RSAPublicKey(new BigInteger(1, modulus), new BigInteger(1, exponent)))));
    }

    /** CKA_EC_POINT is the DER OCTET STRING of the uncompressed point. */
    private static byte[] ecPublicKey(byte[] ecPoint) {
        byte[] point = ASN1OctetString.getInstance(ecPoint).getOctets();
        return encode(new SubjectPublicKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey,
                SECObjectIdentifiers.secp256r1), point));
    }

    /** PKCS#11's ECDSA signature r || s as DER SEQUENCE { r, s }, what {@code Signatures.sign} returns. */
    private static byte[] derSignature(byte[] rs) {
        int half = rs.length / 2;
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(rs, 0, half));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(rs, half, rs.length));
        if (r.signum() == 0 || s.signum() == 0 || r.compareTo(P256_ORDER) >= 0 || s.compareTo(P256_ORDER) >= 0) {
            throw new IllegalStateException("the token returned an invalid ECDSA signature");
        }
        return encode(new DERSequence(new ASN1Encodable[] {new ASN1Integer(r), new ASN1Integer(s)}));
    }

    private static byte[] encode(ASN1Encodable value) {
        try {
            return value.toASN1Primitive().getEncoded("DER");
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding failed", e);
        }
    }

    private static byte[] sha256(byte[] message) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(message);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JDK", e);
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static byte[] secretAssociatedData(byte[] wrapped, String purpose) {
        if (purpose == null || purpose.isBlank()) {
            throw new IllegalArgumentException("a wrapped secret needs a purpose");
        }
        byte[] text = purpose.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(SECRET_HEADER_LENGTH + SECRET_LABEL.length + text.length)
                .put(wrapped, 0, SECRET_HEADER_LENGTH).put(SECRET_LABEL).put(text).array();
    }

    private static byte[] label(String name) {
        byte[] text = name.getBytes(StandardCharsets.US_ASCII);
        return Arrays.copyOf(text, text.length + 1);
    }
}
