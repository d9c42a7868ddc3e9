package org.opencmk.kms.crypto.hierarchy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.asymmetric.AsymmetricCiphers;
import org.opencmk.kms.crypto.asymmetric.AsymmetricPrivateKey;
import org.opencmk.kms.crypto.asymmetric.AsymmetricPublicKey;
import org.opencmk.kms.crypto.asymmetric.MessageType;
import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;
import org.opencmk.kms.crypto.asymmetric.SignatureAlgorithm;
import org.opencmk.kms.crypto.asymmetric.Signatures;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.SoftwareKeystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.WrappedKeyMaterial;

/** Asymmetric key versions through the key hierarchy: key pairs, signing and decryption by version. */
class KeyHierarchyKeyPairTest {

    private static final AccountId ACCOUNT = new AccountId(100000000001L);

    private static final KeyId KEY_A = KeyId.random();
    private static final KeyId KEY_B = KeyId.random();
    private static final KeyVersionId VERSION_1 = KeyVersionId.random();
    private static final KeyVersionId VERSION_2 = KeyVersionId.random();
    private static final byte[] MESSAGE = "the quarterly numbers".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PLAINTEXT = RandomSource.randomBytes(32);
    private static final int CACHE_SIZE = 100;
    private static final Duration CACHE_EXPIRY = Duration.ofMinutes(5);

    private final SoftwareKeystore softwareKeystore = new SoftwareKeystore(RandomSource.newSecret(32));
    private final RecordingKeystore keystore = new RecordingKeystore(softwareKeystore);
    private final InMemoryKekRepository keks = new InMemoryKekRepository();
    private final KeyHierarchy hierarchy = new KeyHierarchy(keystore, keks, CACHE_SIZE, CACHE_EXPIRY);

    @AfterEach
    void close() {
        hierarchy.close();
        keystore.close();
    }

    /** Every algorithm and scheme of the spec, both message types, all from one unwrap of the version. */
    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"RSA_2048", "SM2", "ECC_P256"})
    void aGeneratedKeyPairSignsAndDecryptsByVersion(KeySpec spec) throws Exception {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        KeyHierarchy.NewKeyPair pair = hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_1, spec);
        AsymmetricPublicKey publicKey = AsymmetricPublicKey.fromDer(pair.publicKey().der());
        assertThat(publicKey.spec()).isEqualTo(spec);

        for (SignatureAlgorithm algorithm : SignatureAlgorithm.values()) {
            if (!algorithm.fits(spec)) {
                assertThatThrownBy(() -> sign(pair.privateKey(), spec, algorithm, MessageType.RAW, MESSAGE))
                        .isInstanceOf(IllegalArgumentException.class);
                continue;
            }
            byte[] raw = sign(pair.privateKey(), spec, algorithm, MessageType.RAW, MESSAGE);
            assertThat(Signatures.verify(publicKey, algorithm, MessageType.RAW, MESSAGE, raw)).isTrue();
            if (algorithm != SignatureAlgorithm.SM2DSA) {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(MESSAGE);
                byte[] ofDigest = sign(pair.privateKey(), spec, algorithm, MessageType.DIGEST, digest);
                assertThat(Signatures.verify(publicKey, algorithm, MessageType.RAW, MESSAGE, ofDigest)).isTrue();
            }
        }
        for (PublicKeyEncryption scheme : PublicKeyEncryption.values()) {
            if (!scheme.fits(spec)) {
                assertThatThrownBy(() -> decrypt(pair.privateKey(), spec, scheme, new byte[256]))
                        .isInstanceOf(IllegalArgumentException.class);
                continue;
            }
            byte[] ciphertext = AsymmetricCiphers.encrypt(publicKey, scheme, PLAINTEXT);
            try (SecretBytes decrypted = decrypt(pair.privateKey(), spec, scheme, ciphertext)) {
                assertThat(decrypted.insecureBytes()).isEqualTo(PLAINTEXT);
            }
            byte[] tampered = ciphertext.clone();
            tampered[tampered.length - 1] ^= 1;
            if (scheme != PublicKeyEncryption.RSAES_PKCS1_V1_5) {
                assertThatThrownBy(() -> decrypt(pair.privateKey(), spec, scheme, tampered))
                        .isInstanceOf(DecryptionFailedException.class);
            }
        }
        assertThat(keystore.unwraps).as("the version is unwrapped once for all of it").hasValue(1);
    }

    /**
     * The private key leaves generateKeyPair wrapped only: no part of its PKCS#8 is in the wrapped
     * bytes, and the plaintext handed to the keystore is zeroed by the time it returns.
     */
    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"RSA_2048", "SM2", "ECC_P256"})
    void theWrappedPrivateKeyIsThePkcs8EncryptedNotThePkcs8(KeySpec spec) {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);

        KeyHierarchy.NewKeyPair pair = hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_1, spec);

        assertThat(keystore.wrapped).singleElement()
                .satisfies(plaintext -> assertThat(plaintext.isDestroyed()).isTrue());
        byte[] wrapped = pair.privateKey().bytes();
        try (SecretBytes pkcs8 = softwareKeystore.unwrapMaterial(keks.find(KEY_A).orElseThrow(), ACCOUNT, KEY_A,
                VERSION_1, pair.privateKey())) {
            byte[] plain = pkcs8.insecureBytes();
            assertThat(wrapped).isNotEqualTo(plain);
            for (int start = 0; start + 16 <= plain.length; start++) {
                byte[] window = Arrays.copyOfRange(plain, start, start + 16);
                assertThat(indexOf(wrapped, window)).as("PKCS#8 bytes %d to %d", start, start + 16).isEqualTo(-1);
            }
            // And what was wrapped is the private key of the public key handed out.
            AsymmetricPrivateKey privateKey = AsymmetricPrivateKey.parse(spec, pkcs8);
            SignatureAlgorithm algorithm = Arrays.stream(SignatureAlgorithm.values())
                    .filter(candidate -> candidate.fits(spec)).findFirst().orElseThrow();
            byte[] signature = Signatures.sign(privateKey, algorithm, MessageType.RAW, MESSAGE);
            assertThat(Signatures.verify(AsymmetricPublicKey.fromDer(pair.publicKey().der()), algorithm,
                    MessageType.RAW, MESSAGE, signature)).isTrue();
        }
    }

    @Test
    void afterDestroyingTheKekSigningAndDecryptionFailEvenWhenCached() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        KeyHierarchy.NewKeyPair pair = hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_1, KeySpec.SM2);
        byte[] ciphertext = AsymmetricCiphers.encrypt(AsymmetricPublicKey.fromDer(pair.publicKey().der()),
                PublicKeyEncryption.SM2, PLAINTEXT);
        sign(pair.privateKey(), KeySpec.SM2, SignatureAlgorithm.SM2DSA, MessageType.RAW, MESSAGE);
        decrypt(pair.privateKey(), KeySpec.SM2, PublicKeyEncryption.SM2, ciphertext).close();

        hierarchy.destroyKeyEncryptionKey(KEY_A);

        assertThat(keystore.unwrapped).singleElement()
                .satisfies(pkcs8 -> assertThat(pkcs8.isDestroyed()).as("cached PKCS#8 zeroed").isTrue());
        assertThatThrownBy(() -> sign(pair.privateKey(), KeySpec.SM2, SignatureAlgorithm.SM2DSA, MessageType.RAW,
                MESSAGE))
                .isInstanceOf(KeyMaterialUnavailableException.class)
                .hasMessageContaining(KEY_A.toString());
        assertThatThrownBy(() -> decrypt(pair.privateKey(), KeySpec.SM2, PublicKeyEncryption.SM2, ciphertext))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_2, KeySpec.SM2))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    /** One version's wrapped private key named as another version (or key) is unavailable, cached or not. */
    @Test
    void versionsCannotBeSwapped() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_B);
        WrappedKeyMaterial version1 = hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_1, KeySpec.ECC_P256)
                .privateKey();
        WrappedKeyMaterial version2 = hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_2, KeySpec.ECC_P256)
                .privateKey();

        // Before anything is cached.
        assertThatThrownBy(() -> hierarchy.sign(ACCOUNT, KEY_A, VERSION_2, version1, KeySpec.ECC_P256,
                SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        // The keystore binds material to its account too.
        assertThatThrownBy(() -> hierarchy.sign(new AccountId(100000000002L), KEY_A, VERSION_1, version1,
                KeySpec.ECC_P256, SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE))
                .as("another account")
                .isInstanceOf(KeyMaterialUnavailableException.class);
        // With both versions cached under their own names.
        hierarchy.sign(ACCOUNT, KEY_A, VERSION_1, version1, KeySpec.ECC_P256, SignatureAlgorithm.ECC_P256_R1,
                MessageType.RAW, MESSAGE);
        hierarchy.sign(ACCOUNT, KEY_A, VERSION_2, version2, KeySpec.ECC_P256, SignatureAlgorithm.ECC_P256_R1,
                MessageType.RAW, MESSAGE);
        assertThatThrownBy(() -> hierarchy.sign(ACCOUNT, KEY_A, VERSION_1, version2, KeySpec.ECC_P256,
                SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> hierarchy.sign(ACCOUNT, KEY_A, VERSION_2, version1, KeySpec.ECC_P256,
                SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> hierarchy.sign(ACCOUNT, KEY_B, VERSION_1, version1, KeySpec.ECC_P256,
                SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        // Cached for its owner, the material is still nobody else's: the account is part of the cache key.
        assertThatThrownBy(() -> hierarchy.sign(new AccountId(100000000002L), KEY_A, VERSION_1, version1,
                KeySpec.ECC_P256, SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE))
                .as("another account, cached")
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void decryptionNeedsTheVersionTheCiphertextWasEncryptedFor() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        KeyHierarchy.NewKeyPair first = hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_1, KeySpec.SM2);
        KeyHierarchy.NewKeyPair second = hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_2, KeySpec.SM2);
        byte[] forFirst = AsymmetricCiphers.encrypt(AsymmetricPublicKey.fromDer(first.publicKey().der()),
                PublicKeyEncryption.SM2_C1C3C2_ASN1, PLAINTEXT);

        assertThatThrownBy(() -> hierarchy.decrypt(ACCOUNT, KEY_A, VERSION_2, second.privateKey(), KeySpec.SM2,
                PublicKeyEncryption.SM2_C1C3C2_ASN1, forFirst))
                .isInstanceOf(DecryptionFailedException.class);
        assertThatThrownBy(() -> hierarchy.decrypt(ACCOUNT, KEY_A, VERSION_2, first.privateKey(), KeySpec.SM2,
                PublicKeyEncryption.SM2_C1C3C2_ASN1, forFirst))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        try (SecretBytes decrypted = hierarchy.decrypt(ACCOUNT, KEY_A, VERSION_1, first.privateKey(), KeySpec.SM2,
                PublicKeyEncryption.SM2_C1C3C2_ASN1, forFirst)) {
            assertThat(decrypted.insecureBytes()).isEqualTo(PLAINTEXT);
        }
    }

    /**
     * A version used as another spec than its own fails, and fails alike whether or not its parsed
     * key is already cached (the first call's spec must not decide for later ones).
     */
    @Test
    void aVersionUsedAsAnotherSpecFailsCachedOrNot() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial material = hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_1, KeySpec.ECC_P256)
                .privateKey();

        assertThatThrownBy(() -> hierarchy.sign(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.SM2,
                SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE))
                .as("not cached").isInstanceOf(IllegalArgumentException.class);
        hierarchy.sign(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.ECC_P256, SignatureAlgorithm.ECC_P256_R1,
                MessageType.RAW, MESSAGE);
        assertThatThrownBy(() -> hierarchy.sign(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.SM2,
                SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE))
                .as("cached").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> hierarchy.sign(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.ECC_P256,
                SignatureAlgorithm.SM2DSA, MessageType.RAW, MESSAGE))
                .as("an algorithm of another spec").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void symmetricMaterialIsNoPrivateKey() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial material = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256);

        assertThatThrownBy(() -> hierarchy.sign(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.ECC_P256,
                SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_2, KeySpec.SM2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_2, KeySpec.SM4))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void evictionZeroesTheCachedPrivateKeyButTheVersionStaysUsable() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        KeyHierarchy.NewKeyPair pair = hierarchy.generateKeyPair(ACCOUNT, KEY_A, VERSION_1, KeySpec.ECC_P256);
        sign(pair.privateKey(), KeySpec.ECC_P256, SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE);

        hierarchy.evict(KEY_A);

        assertThat(keystore.unwrapped.get(0).isDestroyed()).isTrue();
        byte[] signature = sign(pair.privateKey(), KeySpec.ECC_P256, SignatureAlgorithm.ECC_P256_R1, MessageType.RAW,
                MESSAGE);
        assertThat(Signatures.verify(AsymmetricPublicKey.fromDer(pair.publicKey().der()),
                SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE, signature)).isTrue();
        assertThat(keystore.unwraps).hasValue(2);
    }

    private byte[] sign(WrappedKeyMaterial material, KeySpec spec, SignatureAlgorithm algorithm, MessageType type,
            byte[] message) {
        return hierarchy.sign(ACCOUNT, KEY_A, VERSION_1, material, spec, algorithm, type, message);
    }

    private SecretBytes decrypt(WrappedKeyMaterial material, KeySpec spec, PublicKeyEncryption scheme,
            byte[] ciphertext) {
        return hierarchy.decrypt(ACCOUNT, KEY_A, VERSION_1, material, spec, scheme, ciphertext);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
