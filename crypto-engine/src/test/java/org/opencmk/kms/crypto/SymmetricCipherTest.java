package org.opencmk.kms.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;

class SymmetricCipherTest {

    private static final KeyId KEY_ID = KeyId.random();
    private static final KeyVersionId VERSION_ID = KeyVersionId.random();
    private static final byte[] CONTEXT = "{\"department\":\"payroll\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_CONTEXT = "{\"department\":\"sales\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NO_CONTEXT = new byte[0];
    private static final byte[] PLAINTEXT = "attack at dawn, bring 32 bytes!!".getBytes(StandardCharsets.UTF_8);

    private final SymmetricCipher cipher = new SymmetricCipher();

    static Stream<Arguments> algorithmsAndSizes() {
        return Stream.of(SymmetricAlgorithm.values())
                .flatMap(algorithm -> Stream.of(0, 1, 32, 4096).map(size -> Arguments.of(algorithm, size)));
    }

    @ParameterizedTest
    @MethodSource("algorithmsAndSizes")
    void whatIsEncryptedDecryptsToTheSamePlaintext(SymmetricAlgorithm algorithm, int size) {
        SecretBytes material = materialFor(algorithm);
        byte[] plaintext = RandomSource.randomBytes(size);

        byte[] blob = cipher.encrypt(material, algorithm, KEY_ID, VERSION_ID, plaintext, CONTEXT);

        assertThat(blob).hasSize(size + CiphertextBlob.OVERHEAD);
        assertThat(cipher.decrypt(material, CiphertextBlob.parse(blob), CONTEXT)).isEqualTo(plaintext);
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void alteringAnySingleByteOfTheBlobFails(SymmetricAlgorithm algorithm) {
        SecretBytes material = materialFor(algorithm);
        byte[] blob = cipher.encrypt(material, algorithm, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT);

        for (int position = 0; position < blob.length; position++) {
            for (int flip : new int[] {0x01, 0x80}) {
                byte[] altered = blob.clone();
                altered[position] ^= (byte) flip;
                assertThatThrownBy(() -> cipher.decrypt(material, CiphertextBlob.parse(altered), CONTEXT))
                        .as("byte %d flipped with %02x", position, flip)
                        .isInstanceOf(DecryptionFailedException.class);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void aTruncatedOrExtendedBlobFails(SymmetricAlgorithm algorithm) {
        SecretBytes material = materialFor(algorithm);
        byte[] blob = cipher.encrypt(material, algorithm, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT);

        assertThatThrownBy(() -> cipher.decrypt(material, CiphertextBlob.parse(Arrays.copyOf(blob, blob.length - 1)),
                CONTEXT)).isInstanceOf(DecryptionFailedException.class);
        assertThatThrownBy(() -> cipher.decrypt(material, CiphertextBlob.parse(Arrays.copyOf(blob, blob.length + 1)),
                CONTEXT)).isInstanceOf(DecryptionFailedException.class);
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void anotherContextFails(SymmetricAlgorithm algorithm) {
        SecretBytes material = materialFor(algorithm);
        CiphertextBlob blob = CiphertextBlob.parse(
                cipher.encrypt(material, algorithm, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT));

        assertThatThrownBy(() -> cipher.decrypt(material, blob, OTHER_CONTEXT))
                .isInstanceOf(DecryptionFailedException.class);
        assertThatThrownBy(() -> cipher.decrypt(material, blob, NO_CONTEXT))
                .isInstanceOf(DecryptionFailedException.class);
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void blobCannotBeDecryptedUnderAnotherKeyId(SymmetricAlgorithm algorithm) {
        SecretBytes identicalMaterial = materialFor(algorithm);
        byte[] blob = cipher.encrypt(identicalMaterial, algorithm, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT);

        putUuid(blob, 2, UUID.randomUUID());
        CiphertextBlob underAnotherKey = CiphertextBlob.parse(blob);

        assertThat(underAnotherKey.keyId()).isNotEqualTo(KEY_ID);
        assertThatThrownBy(() -> cipher.decrypt(identicalMaterial, underAnotherKey, CONTEXT))
                .isInstanceOf(DecryptionFailedException.class);
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void blobCannotBeDecryptedUnderAnotherVersionId(SymmetricAlgorithm algorithm) {
        SecretBytes identicalMaterial = materialFor(algorithm);
        byte[] blob = cipher.encrypt(identicalMaterial, algorithm, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT);

        putUuid(blob, 18, UUID.randomUUID());
        CiphertextBlob underAnotherVersion = CiphertextBlob.parse(blob);

        assertThat(underAnotherVersion.versionId()).isNotEqualTo(VERSION_ID);
        assertThatThrownBy(() -> cipher.decrypt(identicalMaterial, underAnotherVersion, CONTEXT))
                .isInstanceOf(DecryptionFailedException.class);
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void otherMaterialFails(SymmetricAlgorithm algorithm) {
        CiphertextBlob blob = CiphertextBlob.parse(
                cipher.encrypt(materialFor(algorithm), algorithm, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT));

        assertThatThrownBy(() -> cipher.decrypt(materialFor(algorithm), blob, CONTEXT))
                .isInstanceOf(DecryptionFailedException.class)
                .hasMessage("decryption failed");
    }

    @Test
    void materialOfTheWrongLengthCannotDecrypt() {
        CiphertextBlob sm4Blob = CiphertextBlob.parse(cipher.encrypt(materialFor(SymmetricAlgorithm.SM4_GCM),
                SymmetricAlgorithm.SM4_GCM, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT));

        assertThatThrownBy(() -> cipher.decrypt(materialFor(SymmetricAlgorithm.AES_256_GCM), sm4Blob, CONTEXT))
                .isInstanceOf(DecryptionFailedException.class);
    }

    @Test
    void materialOfTheWrongLengthCannotEncrypt() {
        assertThatThrownBy(() -> cipher.encrypt(materialFor(SymmetricAlgorithm.SM4_GCM),
                SymmetricAlgorithm.AES_256_GCM, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32-byte key");
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void identicalPlaintextsGiveDifferentBlobs(SymmetricAlgorithm algorithm) {
        SecretBytes material = materialFor(algorithm);

        byte[] first = cipher.encrypt(material, algorithm, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT);
        byte[] second = cipher.encrypt(material, algorithm, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT);

        assertThat(Arrays.copyOfRange(first, 34, 46)).as("nonce").isNotEqualTo(Arrays.copyOfRange(second, 34, 46));
        assertThat(first).isNotEqualTo(second);
    }

    // The documented layout is enough to decrypt with a bare cipher, and a blob built from it by
    // hand decrypts: this pins the format, associated data included, in both directions.

    @Test
    void anAesBlobDecryptsWithABareJceCipher() throws Exception {
        SecretBytes material = materialFor(SymmetricAlgorithm.AES_256_GCM);
        byte[] blob = cipher.encrypt(material, SymmetricAlgorithm.AES_256_GCM, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT);

        Cipher bare = Cipher.getInstance("AES/GCM/NoPadding");
        bare.init(Cipher.DECRYPT_MODE, new SecretKeySpec(material.insecureBytes(), "AES"),
                new GCMParameterSpec(128, blob, 34, 12));
        bare.updateAAD(blob, 0, 46);
        bare.updateAAD(CONTEXT);

        assertThat(bare.doFinal(blob, 46, blob.length - 46)).isEqualTo(PLAINTEXT);
    }

    @Test
    void anAesBlobBuiltByHandFromTheLayoutDecrypts() throws Exception {
        SecretBytes material = materialFor(SymmetricAlgorithm.AES_256_GCM);
        byte[] header = handMadeHeader((byte) 1);

        Cipher bare = Cipher.getInstance("AES/GCM/NoPadding");
        bare.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material.insecureBytes(), "AES"),
                new GCMParameterSpec(128, header, 34, 12));
        bare.updateAAD(header);
        bare.updateAAD(CONTEXT);
        byte[] blob = concat(header, bare.doFinal(PLAINTEXT));

        assertThat(cipher.decrypt(material, CiphertextBlob.parse(blob), CONTEXT)).isEqualTo(PLAINTEXT);
    }

    @Test
    void anSm4BlobDecryptsWithBouncyCastlesJceProvider() throws Exception {
        SecretBytes material = materialFor(SymmetricAlgorithm.SM4_GCM);
        byte[] blob = cipher.encrypt(material, SymmetricAlgorithm.SM4_GCM, KEY_ID, VERSION_ID, PLAINTEXT, CONTEXT);

        Cipher bare = Cipher.getInstance("SM4/GCM/NoPadding", new BouncyCastleProvider());
        bare.init(Cipher.DECRYPT_MODE, new SecretKeySpec(material.insecureBytes(), "SM4"),
                new GCMParameterSpec(128, blob, 34, 12));
        bare.updateAAD(blob, 0, 46);
        bare.updateAAD(CONTEXT);

        assertThat(blob[1]).isEqualTo((byte) 2);
        assertThat(bare.doFinal(blob, 46, blob.length - 46)).isEqualTo(PLAINTEXT);
    }

    @Test
    void anSm4BlobBuiltByHandFromTheLayoutDecrypts() throws Exception {
        SecretBytes material = materialFor(SymmetricAlgorithm.SM4_GCM);
        byte[] header = handMadeHeader((byte) 2);

        Cipher bare = Cipher.getInstance("SM4/GCM/NoPadding", new BouncyCastleProvider());
        bare.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material.insecureBytes(), "SM4"),
                new GCMParameterSpec(128, header, 34, 12));
        bare.updateAAD(header);
        bare.updateAAD(CONTEXT);
        byte[] blob = concat(header, bare.doFinal(PLAINTEXT));

        assertThat(cipher.decrypt(material, CiphertextBlob.parse(blob), CONTEXT)).isEqualTo(PLAINTEXT);
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void aWrappedSecretUnwrapsWithTheSameAssociatedDataOnly(SymmetricAlgorithm algorithm) {
        SecretBytes wrappingKey = materialFor(algorithm);
        SecretBytes secret = RandomSource.newSecret(32);

        byte[] wrapped = cipher.wrap(wrappingKey, algorithm, secret, CONTEXT);

        assertThat(wrapped).hasSize(32 + SymmetricCipher.WRAPPED_OVERHEAD);
        assertThat(wrapped[0]).as("format version").isEqualTo((byte) 2);
        assertThat(wrapped[1]).as("algorithm id").isEqualTo(algorithm.id());
        assertThat(cipher.unwrap(wrappingKey, wrapped, CONTEXT).insecureBytes()).isEqualTo(secret.insecureBytes());
        assertThatThrownBy(() -> cipher.unwrap(wrappingKey, wrapped, OTHER_CONTEXT))
                .isInstanceOf(DecryptionFailedException.class);
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void theFormatVersionOfAWrappedSecretIsAuthenticated(SymmetricAlgorithm algorithm) {
        SecretBytes wrappingKey = materialFor(algorithm);
        byte[] wrapped = cipher.wrap(wrappingKey, algorithm, RandomSource.newSecret(32), CONTEXT);

        wrapped[0] = SymmetricCipher.WRAPPED_FORMAT_VERSION_1;

        assertThat(SymmetricCipher.wrappedFormat(wrapped)).isEqualTo(1);
        assertThatThrownBy(() -> cipher.unwrap(wrappingKey, wrapped, CONTEXT))
                .isInstanceOf(DecryptionFailedException.class);
    }

    @ParameterizedTest
    @EnumSource(SymmetricAlgorithm.class)
    void alteringAnySingleByteOfAWrappedSecretFails(SymmetricAlgorithm algorithm) {
        SecretBytes wrappingKey = materialFor(algorithm);
        byte[] wrapped = cipher.wrap(wrappingKey, algorithm, RandomSource.newSecret(16), CONTEXT);

        for (int position = 0; position < wrapped.length; position++) {
            byte[] altered = wrapped.clone();
            altered[position] ^= 0x01;
            assertThatThrownBy(() -> cipher.unwrap(wrappingKey, altered, CONTEXT))
                    .as("byte %d flipped", position)
                    .isInstanceOf(DecryptionFailedException.class);
        }
        assertThatThrownBy(() -> cipher.unwrap(wrappingKey, Arrays.copyOf(wrapped, 10), CONTEXT))
                .isInstanceOf(DecryptionFailedException.class);
    }

    private static SecretBytes materialFor(SymmetricAlgorithm algorithm) {
        return RandomSource.newSecret(algorithm.keyLength());
    }

    private static byte[] handMadeHeader(byte algorithmId) {
        byte[] header = new byte[46];
        header[0] = 1;
        header[1] = algorithmId;
        putUuid(header, 2, KEY_ID.uuid());
        putUuid(header, 18, VERSION_ID.uuid());
        System.arraycopy(RandomSource.randomBytes(12), 0, header, 34, 12);
        return header;
    }

    private static void putUuid(byte[] target, int offset, UUID uuid) {
        ByteBuffer.wrap(target, offset, 16)
                .putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits());
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }
}
