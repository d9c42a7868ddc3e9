package org.opencmk.kms.crypto.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.stream.Stream;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * What every {@link Keystore} guarantees, whatever holds its root. A backend's test extends this
 * class and says how to open a fresh keystore (as kroxylicious's {@code KmsIT} does through a
 * {@code TestKmsFacade}); {@code Pkcs11KeystoreTest} runs it against a SoftHSM2 token, whose
 * material never leaves it: hence {@link #assertHolds} and {@link #use}, which it overrides.
 */
public abstract class KeystoreContract {

    static final AccountId ACCOUNT = new AccountId(100000000001L);
    static final AccountId OTHER_ACCOUNT = new AccountId(100000000002L);

    private static final KeyId KEY_A = KeyId.random();
    private static final KeyId KEY_B = KeyId.random();
    private static final KeyVersionId VERSION_1 = KeyVersionId.random();
    private static final KeyVersionId VERSION_2 = KeyVersionId.random();
    private static final String PURPOSE = "api-secret-key:AKIDexample";

    protected Keystore keystore;

    /** A new keystore with its own root, as empty as the backend allows. */
    protected abstract Keystore openKeystore() throws Exception;

    /**
     * Proves that {@code wrapped} holds {@code material}. By default by unwrapping it; a keystore
     * whose material never leaves (a token) proves it by using it.
     */
    protected void assertHolds(byte[] kek, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial wrapped, SecretBytes material) {
        try (SecretBytes unwrapped = keystore.unwrapMaterial(kek, account, keyId, versionId, wrapped)) {
            assertThat(unwrapped.insecureBytes()).isEqualTo(material.insecureBytes());
        }
    }

    /**
     * Uses the material {@code wrapped} stands for, as {@code keyId}'s version {@code versionId}
     * under {@code kek}, throwing what the keystore throws. By default: unwraps it.
     */
    protected void use(byte[] kek, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial wrapped) {
        keystore.unwrapMaterial(kek, account, keyId, versionId, wrapped).destroy();
    }

    @BeforeEach
    void open() throws Exception {
        keystore = openKeystore();
    }

    @AfterEach
    void close() {
        keystore.close();
    }

    @Test
    void declaresItsProtectionLevel() {
        assertThat(keystore.protectionLevel()).isNotNull();
    }

    @Test
    void wrappedMaterialUnwrapsToTheSameBytes() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        try (SecretBytes material = RandomSource.newMaterial(KeySpec.AES_256)) {
            WrappedKeyMaterial wrapped = keystore.wrapMaterial(kek, ACCOUNT, KEY_A, VERSION_1, material);

            assertHolds(kek, ACCOUNT, KEY_A, VERSION_1, wrapped, material);
        }
    }

    @Test
    void wrappingDoesNotConsumeTheCallersMaterial() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        SecretBytes material = RandomSource.newMaterial(KeySpec.AES_256);

        keystore.wrapMaterial(kek, ACCOUNT, KEY_A, VERSION_1, material);

        assertThat(material.isDestroyed()).isFalse();
    }

    @Test
    void wrappingTheSameMaterialTwiceGivesDifferentBytes() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        SecretBytes material = RandomSource.newMaterial(KeySpec.AES_256);

        assertThat(keystore.wrapMaterial(kek, ACCOUNT, KEY_A, VERSION_1, material))
                .isNotEqualTo(keystore.wrapMaterial(kek, ACCOUNT, KEY_A, VERSION_1, material));
    }

    @Test
    void materialCannotBeUnwrappedAsAnotherVersion() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial wrapped = keystore.wrapMaterial(kek, ACCOUNT, KEY_A, VERSION_1, RandomSource.newMaterial(KeySpec.AES_256));

        assertThatThrownBy(() -> use(kek, ACCOUNT, KEY_A, VERSION_2, wrapped))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void materialOfOneKeyCannotBeUnwrappedAsAnotherKeys() {
        byte[] kekOfA = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        byte[] kekOfB = keystore.createKeyEncryptionKey(ACCOUNT, KEY_B);
        WrappedKeyMaterial wrappedForA =
                keystore.wrapMaterial(kekOfA, ACCOUNT, KEY_A, VERSION_1, RandomSource.newMaterial(KeySpec.AES_256));

        assertThatThrownBy(() -> use(kekOfB, ACCOUNT, KEY_B, VERSION_1, wrappedForA))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> use(kekOfA, ACCOUNT, KEY_B, VERSION_1, wrappedForA))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> use(kekOfB, ACCOUNT, KEY_A, VERSION_1, wrappedForA))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void aKeyEncryptionKeyServesOnlyTheKeyItWasCreatedFor() {
        byte[] kekOfA = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);

        assertThatThrownBy(() -> keystore.wrapMaterial(kekOfA, ACCOUNT, KEY_B, VERSION_1, RandomSource.newMaterial(KeySpec.AES_256)))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void aKeyEncryptionKeyServesOnlyTheAccountItWasCreatedFor() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial wrapped =
                keystore.wrapMaterial(kek, ACCOUNT, KEY_A, VERSION_1, RandomSource.newMaterial(KeySpec.AES_256));

        assertThatThrownBy(() -> keystore.wrapMaterial(kek, OTHER_ACCOUNT, KEY_A, VERSION_1,
                RandomSource.newMaterial(KeySpec.AES_256))).isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> use(kek, OTHER_ACCOUNT, KEY_A, VERSION_1, wrapped))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> keystore.bindKeyEncryptionKey(kek, OTHER_ACCOUNT, KEY_A))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void bindingAKeyEncryptionKeyThatIsAlreadyBoundChangesNothing() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);

        assertThat(keystore.bindKeyEncryptionKey(kek, ACCOUNT, KEY_A)).isEqualTo(kek);
    }

    @Test
    void everyKeyEncryptionKeyIsNew() {
        byte[] first = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        byte[] second = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial underFirst =
                keystore.wrapMaterial(first, ACCOUNT, KEY_A, VERSION_1, RandomSource.newMaterial(KeySpec.AES_256));

        assertThatThrownBy(() -> use(second, ACCOUNT, KEY_A, VERSION_1, underFirst))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void alteredWrappedMaterialIsRefused() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        byte[] wrapped = keystore.wrapMaterial(kek, ACCOUNT, KEY_A, VERSION_1, RandomSource.newMaterial(KeySpec.AES_256)).bytes();

        for (int position = 0; position < wrapped.length; position++) {
            byte[] altered = wrapped.clone();
            altered[position] ^= 0x01;
            assertThatThrownBy(() -> use(kek, ACCOUNT, KEY_A, VERSION_1, new WrappedKeyMaterial(altered)))
                    .as("byte %d flipped", position)
                    .isInstanceOf(KeyMaterialUnavailableException.class);
        }
    }

    @Test
    void aWrappedSecretUnwrapsForItsPurpose() {
        try (SecretBytes secret = SecretBytes.copyOf(RandomSource.randomBytes(40))) {
            byte[] wrapped = keystore.wrapSecret(PURPOSE, secret);

            try (SecretBytes unwrapped = keystore.unwrapSecret(PURPOSE, wrapped)) {
                assertThat(unwrapped.insecureBytes()).isEqualTo(secret.insecureBytes());
            }
        }
    }

    @Test
    void aWrappedSecretCannotBeUnwrappedForAnotherPurpose() {
        byte[] wrapped = keystore.wrapSecret(PURPOSE, RandomSource.newSecret(40));

        assertThatThrownBy(() -> keystore.unwrapSecret(PURPOSE + "2", wrapped))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void anAlteredSecretIsRefused() {
        byte[] wrapped = keystore.wrapSecret(PURPOSE, RandomSource.newSecret(40));
        wrapped[wrapped.length - 1] ^= 0x01;

        assertThatThrownBy(() -> keystore.unwrapSecret(PURPOSE, wrapped))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void theSameMaterialHasTheSameFingerprintUnderTheSameKey() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        byte[] bytes = RandomSource.randomBytes(32);

        byte[] first = keystore.fingerprintMaterial(kek, ACCOUNT, KEY_A, SecretBytes.copyOf(bytes));
        byte[] second = keystore.fingerprintMaterial(kek, ACCOUNT, KEY_A, SecretBytes.copyOf(bytes));

        assertThat(first).hasSize(32).isEqualTo(second);
    }

    @Test
    void otherMaterialHasAnotherFingerprint() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        byte[] bytes = RandomSource.randomBytes(16);
        byte[] flipped = bytes.clone();
        flipped[15] ^= 0x01;

        assertThat(keystore.fingerprintMaterial(kek, ACCOUNT, KEY_A, SecretBytes.copyOf(bytes)))
                .isNotEqualTo(keystore.fingerprintMaterial(kek, ACCOUNT, KEY_A, SecretBytes.copyOf(flipped)))
                .isNotEqualTo(keystore.fingerprintMaterial(kek, ACCOUNT, KEY_A,
                        SecretBytes.copyOf(Arrays.copyOf(bytes, 32))));
    }

    @Test
    void theSameMaterialHasAnotherFingerprintUnderAnotherKeyOrAccount() {
        byte[] bytes = RandomSource.randomBytes(32);
        byte[] ofA = keystore.fingerprintMaterial(keystore.createKeyEncryptionKey(ACCOUNT, KEY_A), ACCOUNT, KEY_A,
                SecretBytes.copyOf(bytes));
        byte[] ofB = keystore.fingerprintMaterial(keystore.createKeyEncryptionKey(ACCOUNT, KEY_B), ACCOUNT, KEY_B,
                SecretBytes.copyOf(bytes));
        byte[] ofAInOtherAccount = keystore.fingerprintMaterial(keystore.createKeyEncryptionKey(OTHER_ACCOUNT, KEY_A),
                OTHER_ACCOUNT, KEY_A, SecretBytes.copyOf(bytes));
        byte[] ofANewKek = keystore.fingerprintMaterial(keystore.createKeyEncryptionKey(ACCOUNT, KEY_A), ACCOUNT, KEY_A,
                SecretBytes.copyOf(bytes));

        assertThat(Stream.of(ofA, ofB, ofAInOtherAccount, ofANewKek).map(ByteBuffer::wrap))
                .as("no two alike").doesNotHaveDuplicates();
    }

    @Test
    void aFingerprintIsKeyedNotAPlainHashOfTheMaterial() throws Exception {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        byte[] bytes = RandomSource.randomBytes(32);

        byte[] fingerprint = keystore.fingerprintMaterial(kek, ACCOUNT, KEY_A, SecretBytes.copyOf(bytes));

        assertThat(fingerprint)
                .isNotEqualTo(bytes)
                .isNotEqualTo(MessageDigest.getInstance("SHA-256").digest(bytes))
                .isNotEqualTo(MessageDigest.getInstance("SM3", new BouncyCastleProvider()).digest(bytes));
    }

    @Test
    void fingerprintingDoesNotConsumeTheCallersMaterial() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);
        SecretBytes material = RandomSource.newMaterial(KeySpec.AES_256);

        keystore.fingerprintMaterial(kek, ACCOUNT, KEY_A, material);

        assertThat(material.isDestroyed()).isFalse();
    }

    @Test
    void aKeyEncryptionKeyFingerprintsOnlyForItsOwnKeyAndAccount() {
        byte[] kekOfA = keystore.createKeyEncryptionKey(ACCOUNT, KEY_A);

        assertThatThrownBy(() -> keystore.fingerprintMaterial(kekOfA, ACCOUNT, KEY_B, RandomSource.newSecret(32)))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> keystore.fingerprintMaterial(kekOfA, OTHER_ACCOUNT, KEY_A, RandomSource.newSecret(32)))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }
}
