package org.opencmk.kms.crypto.hierarchy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opencmk.kms.crypto.CiphertextBlob;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.SymmetricAlgorithm;
import org.opencmk.kms.crypto.SymmetricCipher;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.SoftwareKeystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

class KeyHierarchyTest {

    private static final AccountId ACCOUNT = new AccountId(100000000001L);

    private static final KeyId KEY_A = KeyId.random();
    private static final KeyId KEY_B = KeyId.random();
    private static final KeyVersionId VERSION_1 = KeyVersionId.random();
    private static final KeyVersionId VERSION_2 = KeyVersionId.random();
    private static final byte[] PLAINTEXT = "the quarterly numbers".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CONTEXT = "{\"team\":\"finance\"}".getBytes(StandardCharsets.UTF_8);
    private static final int CACHE_SIZE = 100;
    private static final Duration CACHE_EXPIRY = Duration.ofMinutes(5);

    private final SoftwareKeystore softwareKeystore = new SoftwareKeystore(RandomSource.newSecret(32));
    private final RecordingKeystore keystore = new RecordingKeystore(softwareKeystore);
    private final InMemoryKekRepository keks = new InMemoryKekRepository();
    private final KeyHierarchy hierarchy = new KeyHierarchy(keystore, keks, CACHE_SIZE, CACHE_EXPIRY);
    private final SymmetricCipher cipher = new SymmetricCipher();

    @AfterEach
    void close() {
        hierarchy.close();
        keystore.close();
    }

    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"AES_256", "SM4"})
    void generatedMaterialEncryptsAndDecrypts(KeySpec spec) {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial material = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, spec);

        byte[] blob = hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, material, spec, PLAINTEXT, CONTEXT);

        assertThat(CiphertextBlob.parse(blob).algorithm()).isEqualTo(SymmetricAlgorithm.forKeySpec(spec));
        assertThat(hierarchy.decrypt(ACCOUNT, material, CiphertextBlob.parse(blob), CONTEXT)).isEqualTo(PLAINTEXT);
    }

    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"AES_256", "SM4"})
    void generatedMaterialHasTheSpecsLengthAndIsZeroedBeforeItIsReturned(KeySpec spec) {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);

        WrappedKeyMaterial material = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, spec);

        assertThat(keystore.wrapped).singleElement().satisfies(plaintext -> {
            assertThat(plaintext.length()).isEqualTo(spec.materialLength());
            assertThat(plaintext.isDestroyed()).isTrue();
        });
        try (SecretBytes unwrapped = softwareKeystore.unwrapMaterial(keks.find(KEY_A).orElseThrow(), ACCOUNT, KEY_A,
                VERSION_1, material)) {
            assertThat(unwrapped.length()).isEqualTo(spec.materialLength());
        }
    }

    @Test
    void wrappedMaterialIsTheMaterialThatEncrypts() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        SecretBytes imported = RandomSource.newMaterial(KeySpec.AES_256);
        WrappedKeyMaterial material = hierarchy.wrapMaterial(ACCOUNT, KEY_A, VERSION_1, imported);

        byte[] blob = hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.AES_256, PLAINTEXT, CONTEXT);

        assertThat(cipher.decrypt(imported, CiphertextBlob.parse(blob), CONTEXT)).isEqualTo(PLAINTEXT);
        assertThat(imported.isDestroyed()).as("the importer keeps ownership").isFalse();
    }

    @Test
    void cachedMaterialIsNotUnwrappedAgain() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial material = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256);

        byte[] blob = hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.AES_256, PLAINTEXT, CONTEXT);
        hierarchy.decrypt(ACCOUNT, material, CiphertextBlob.parse(blob), CONTEXT);

        assertThat(keystore.unwraps).hasValue(1);
    }

    @Test
    void cachedMaterialAnswersOnlyForTheWrappedBytesItCameFrom() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial first = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256);
        hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, first, KeySpec.AES_256, PLAINTEXT, CONTEXT);
        SecretBytes other = RandomSource.newMaterial(KeySpec.AES_256);
        WrappedKeyMaterial second = hierarchy.wrapMaterial(ACCOUNT, KEY_A, VERSION_1, other);

        byte[] blob = hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, second, KeySpec.AES_256, PLAINTEXT, CONTEXT);

        assertThat(cipher.decrypt(other, CiphertextBlob.parse(blob), CONTEXT)).isEqualTo(PLAINTEXT);
    }

    @Test
    void afterDestroyingTheKekDecryptionFailsEvenWhenMaterialWasCached() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial material = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.SM4);
        CiphertextBlob blob = CiphertextBlob.parse(
                hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.SM4, PLAINTEXT, CONTEXT));
        assertThat(hierarchy.decrypt(ACCOUNT, material, blob, CONTEXT)).isEqualTo(PLAINTEXT);

        hierarchy.destroyKeyEncryptionKey(KEY_A);

        assertThatThrownBy(() -> hierarchy.decrypt(ACCOUNT, material, blob, CONTEXT))
                .isInstanceOf(KeyMaterialUnavailableException.class)
                .hasMessageContaining(KEY_A.toString());
        assertThatThrownBy(() -> hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_2, KeySpec.SM4))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThat(keks.find(KEY_A)).isEmpty();
    }

    @Test
    void destroyingTheKekZeroesTheCachedMaterialOfThatKeyOnly() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_B);
        WrappedKeyMaterial materialA = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256);
        WrappedKeyMaterial materialB = hierarchy.generateMaterial(ACCOUNT, KEY_B, VERSION_2, KeySpec.AES_256);
        hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, materialA, KeySpec.AES_256, PLAINTEXT, CONTEXT);
        hierarchy.encrypt(ACCOUNT, KEY_B, VERSION_2, materialB, KeySpec.AES_256, PLAINTEXT, CONTEXT);
        SecretBytes cachedA = keystore.unwrapped.get(0);
        SecretBytes cachedB = keystore.unwrapped.get(1);

        hierarchy.destroyKeyEncryptionKey(KEY_A);

        assertThat(cachedA.isDestroyed()).isTrue();
        assertThat(cachedB.isDestroyed()).isFalse();
        hierarchy.encrypt(ACCOUNT, KEY_B, VERSION_2, materialB, KeySpec.AES_256, PLAINTEXT, CONTEXT);
    }

    @Test
    void destroyingTheKekTwiceIsHarmless() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);

        hierarchy.destroyKeyEncryptionKey(KEY_A);
        hierarchy.destroyKeyEncryptionKey(KEY_A);

        assertThat(keks.find(KEY_A)).isEmpty();
    }

    @Test
    void evictionZeroesCachedMaterialButTheKeyStaysUsable() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial material = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256);
        CiphertextBlob blob = CiphertextBlob.parse(
                hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.AES_256, PLAINTEXT, CONTEXT));

        hierarchy.evict(KEY_A);

        assertThat(keystore.unwrapped.get(0).isDestroyed()).isTrue();
        assertThat(hierarchy.decrypt(ACCOUNT, material, blob, CONTEXT)).isEqualTo(PLAINTEXT);
        assertThat(keystore.unwraps).hasValue(2);
    }

    @Test
    void closingZeroesAllCachedMaterial() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial material = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256);
        hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.AES_256, PLAINTEXT, CONTEXT);

        hierarchy.close();

        assertThat(keystore.unwrapped.get(0).isDestroyed()).isTrue();
    }

    @Test
    void materialOfKeyACannotBeUnwrappedAsKeyBs() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_B);
        WrappedKeyMaterial materialOfA = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256);

        assertThatThrownBy(() -> hierarchy.encrypt(ACCOUNT, KEY_B, VERSION_1, materialOfA, KeySpec.AES_256, PLAINTEXT, CONTEXT))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void aBlobNeedsTheMaterialOfTheVersionItNames() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial version1 = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256);
        WrappedKeyMaterial version2 = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_2, KeySpec.AES_256);
        CiphertextBlob blob = CiphertextBlob.parse(
                hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, version1, KeySpec.AES_256, PLAINTEXT, CONTEXT));

        assertThatThrownBy(() -> hierarchy.decrypt(ACCOUNT, version2, blob, CONTEXT))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void anotherContextFailsThroughTheHierarchyToo() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        WrappedKeyMaterial material = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256);
        CiphertextBlob blob = CiphertextBlob.parse(
                hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.AES_256, PLAINTEXT, CONTEXT));

        assertThatThrownBy(() -> hierarchy.decrypt(ACCOUNT, material, blob, new byte[0]))
                .isInstanceOf(DecryptionFailedException.class);
    }

    @Test
    void aKeyWithoutKekIsUnavailable() {
        assertThatThrownBy(() -> hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256))
                .isInstanceOf(KeyMaterialUnavailableException.class)
                .hasMessageContaining(KEY_A.toString());
    }

    @Test
    void creatingTheKekAgainKeepsTheFirst() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        byte[] firstKek = keks.find(KEY_A).orElseThrow();
        WrappedKeyMaterial material = hierarchy.generateMaterial(ACCOUNT, KEY_A, VERSION_1, KeySpec.AES_256);
        CiphertextBlob blob = CiphertextBlob.parse(
                hierarchy.encrypt(ACCOUNT, KEY_A, VERSION_1, material, KeySpec.AES_256, PLAINTEXT, CONTEXT));

        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);

        assertThat(keks.find(KEY_A)).hasValueSatisfying(kek -> assertThat(kek).isEqualTo(firstKek));
        hierarchy.evict(KEY_A); // so the material below is unwrapped again, under the stored KEK
        assertThat(hierarchy.decrypt(ACCOUNT, material, blob, CONTEXT)).isEqualTo(PLAINTEXT);
        assertThat(keystore.unwraps).as("unwrapped again, not served from the cache").hasValue(2);
    }

    @Test
    void withoutATokenKeystoreOnlyTheSoftwareLevelIsServed() {
        assertThat(hierarchy.serves(ProtectionLevel.SOFTWARE)).isTrue();
        assertThat(hierarchy.serves(ProtectionLevel.HSM)).isFalse();
        assertThat(hierarchy.hsmAvailable()).isFalse();
        assertThatThrownBy(() -> hierarchy.createKeyEncryptionKey(ACCOUNT, KeyId.random(), ProtectionLevel.HSM))
                .isInstanceOf(org.opencmk.kms.crypto.keystore.UnsupportedByKeystoreException.class);
    }

    @Test
    void aKeyEncryptionKeyNoKeystoreOwnsIsNeverTriedInSoftware() {
        KeyId hsmKey = KeyId.random();
        // what an HSM keystore's reference looks like to a server started without that HSM
        keks.save(hsmKey, new byte[] {(byte) 0x7f, 1, 2, 3});
        assertThatThrownBy(() -> hierarchy.generateMaterial(ACCOUNT, hsmKey, KeyVersionId.random(), KeySpec.AES_256))
                .isInstanceOf(org.opencmk.kms.crypto.keystore.KeystoreUnavailableException.class)
                .hasMessageContaining("HSM");
    }

    @Test
    void evictionRacingWithUseNeverEncryptsWithZeroedMaterial() throws Exception {
        // A cache of one entry, three versions in turn and a thread evicting all the time: entries
        // are retired while in use. Every blob must decrypt under independently unwrapped material.
        KeyHierarchy tiny = new KeyHierarchy(keystore, keks, 1, CACHE_EXPIRY);
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        List<KeyVersionId> versions = List.of(VERSION_1, VERSION_2, KeyVersionId.random());
        List<WrappedKeyMaterial> wrapped = new ArrayList<>();
        List<SecretBytes> plain = new ArrayList<>();
        for (KeyVersionId version : versions) {
            WrappedKeyMaterial material = tiny.generateMaterial(ACCOUNT, KEY_A, version, KeySpec.AES_256);
            wrapped.add(material);
            plain.add(softwareKeystore.unwrapMaterial(keks.find(KEY_A).orElseThrow(), ACCOUNT, KEY_A, version, material));
        }
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int worker = 0; worker < 2; worker++) {
                int offset = worker;
                workers.add(threads.submit(() -> {
                    for (int i = 0; i < 1500; i++) {
                        int v = (i + offset) % versions.size();
                        byte[] blob = tiny.encrypt(ACCOUNT, KEY_A, versions.get(v), wrapped.get(v), KeySpec.AES_256,
                                PLAINTEXT, CONTEXT);
                        assertThat(cipher.decrypt(plain.get(v), CiphertextBlob.parse(blob), CONTEXT))
                                .isEqualTo(PLAINTEXT);
                    }
                    return null;
                }));
            }
            Future<?> evictor = threads.submit(() -> {
                while (!workers.stream().allMatch(Future::isDone)) {
                    tiny.evict(KEY_A);
                }
            });
            for (Future<?> worker : workers) {
                worker.get(30, TimeUnit.SECONDS);
            }
            evictor.get(30, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
            tiny.close();
        }
        assertThat(keystore.unwrapped).allSatisfy(material -> assertThat(material.isDestroyed()).isTrue());
    }

    @Test
    void importedMaterialIsFingerprintedUnderItsKeysKekWithoutBeingConsumed() {
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_B);
        byte[] bytes = RandomSource.randomBytes(32);
        SecretBytes material = SecretBytes.copyOf(bytes);

        byte[] fingerprint = hierarchy.fingerprintMaterial(ACCOUNT, KEY_A, material);

        assertThat(fingerprint).hasSize(32)
                .isEqualTo(hierarchy.fingerprintMaterial(ACCOUNT, KEY_A, SecretBytes.copyOf(bytes)))
                .isNotEqualTo(hierarchy.fingerprintMaterial(ACCOUNT, KEY_B, SecretBytes.copyOf(bytes)));
        assertThat(material.isDestroyed()).isFalse();
        assertThat(keystore.fingerprinted).contains(material);
    }

    @Test
    void materialCannotBeFingerprintedWithoutAKeyEncryptionKeyOrAfterItsDestruction() {
        assertThatThrownBy(() -> hierarchy.fingerprintMaterial(ACCOUNT, KEY_A, RandomSource.newSecret(32)))
                .isInstanceOf(KeyMaterialUnavailableException.class);

        hierarchy.createKeyEncryptionKey(ACCOUNT, KEY_A);
        hierarchy.fingerprintMaterial(ACCOUNT, KEY_A, RandomSource.newSecret(32));
        hierarchy.destroyKeyEncryptionKey(KEY_A);

        assertThatThrownBy(() -> hierarchy.fingerprintMaterial(ACCOUNT, KEY_A, RandomSource.newSecret(32)))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }
}
