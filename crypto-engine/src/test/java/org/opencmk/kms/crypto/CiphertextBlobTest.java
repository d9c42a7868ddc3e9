package org.opencmk.kms.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;

class CiphertextBlobTest {

    private static final KeyId KEY_ID = new KeyId("00112233-4455-6677-8899-aabbccddeeff");
    private static final KeyVersionId VERSION_ID = new KeyVersionId("f0e1d2c3-b4a5-9687-7869-5a4b3c2d1e0f");
    private static final byte[] NO_CONTEXT = new byte[0];

    private final SymmetricCipher cipher = new SymmetricCipher();

    @Test
    void layoutIsPinnedByteByByte() {
        byte[] blob = encryptWithAes(new byte[] {10, 20, 30, 40, 50});

        assertThat(blob).hasSize(74 + 5);
        assertThat(blob[0]).as("format version").isEqualTo((byte) 2);
        assertThat(blob[1]).as("algorithm id").isEqualTo((byte) 1);
        assertThat(Arrays.copyOfRange(blob, 2, 18)).as("key id")
                .isEqualTo(HexFormat.of().parseHex("00112233445566778899aabbccddeeff"));
        assertThat(Arrays.copyOfRange(blob, 18, 34)).as("version id")
                .isEqualTo(HexFormat.of().parseHex("f0e1d2c3b4a5968778695a4b3c2d1e0f"));
        assertThat(CiphertextBlob.FORMAT_VERSION).isEqualTo((byte) 2);
        assertThat(CiphertextBlob.NONCE_OFFSET).isEqualTo(34);
        assertThat(CiphertextBlob.NONCE_LENGTH).isEqualTo(24);
        assertThat(CiphertextBlob.HEADER_LENGTH).isEqualTo(58);
        assertThat(CiphertextBlob.OVERHEAD).isEqualTo(74);
    }

    @Test
    void formatVersionOnesLayoutIsPinned() {
        assertThat(CiphertextBlob.FORMAT_VERSION_1).isEqualTo((byte) 1);
        assertThat(CiphertextBlob.FORMAT_1_HEADER_LENGTH).isEqualTo(46);
        assertThat(CiphertextBlob.FORMAT_1_OVERHEAD).isEqualTo(62);
    }

    @Test
    void theNoncesOfTwoBlobsDiffer() {
        byte[] first = encryptWithAes(new byte[3]);
        byte[] second = encryptWithAes(new byte[3]);

        assertThat(Arrays.copyOfRange(first, 34, 46)).as("nonce prefix, the key derivation's")
                .isNotEqualTo(Arrays.copyOfRange(second, 34, 46));
        assertThat(Arrays.copyOfRange(first, 46, 58)).as("nonce suffix, GCM's")
                .isNotEqualTo(Arrays.copyOfRange(second, 46, 58));
    }

    @Test
    void parseReadsTheHeader() {
        CiphertextBlob blob = CiphertextBlob.parse(encryptWithAes(new byte[7]));

        assertThat(blob.keyId()).isEqualTo(KEY_ID);
        assertThat(blob.versionId()).isEqualTo(VERSION_ID);
        assertThat(blob.algorithm()).isEqualTo(SymmetricAlgorithm.AES_256_GCM);
        assertThat(blob.formatVersion()).isEqualTo(2);
        assertThat(blob.plaintextLength()).isEqualTo(7);
    }

    @Test
    void parseReadsAFormatVersionOneHeader() {
        byte[] bytes = new byte[62 + 7];
        bytes[0] = 1;
        bytes[1] = 2;
        System.arraycopy(encryptWithAes(new byte[0]), 2, bytes, 2, 32);

        CiphertextBlob blob = CiphertextBlob.parse(bytes);

        assertThat(blob.formatVersion()).isEqualTo(1);
        assertThat(blob.keyId()).isEqualTo(KEY_ID);
        assertThat(blob.versionId()).isEqualTo(VERSION_ID);
        assertThat(blob.algorithm()).isEqualTo(SymmetricAlgorithm.SM4_GCM);
        assertThat(blob.plaintextLength()).isEqualTo(7);
        assertThat(CiphertextBlob.parse(Arrays.copyOf(bytes, 62)).plaintextLength()).isZero();
        assertInvalid(Arrays.copyOf(bytes, 61));
    }

    @Test
    void theShortestBlobHoldsAnEmptyPlaintext() {
        assertThat(CiphertextBlob.parse(encryptWithAes(new byte[0])).plaintextLength()).isZero();
    }

    @Test
    void tooShortInputIsRefused() {
        byte[] blob = encryptWithAes(new byte[0]);

        assertInvalid(new byte[0]);
        assertInvalid(Arrays.copyOf(blob, CiphertextBlob.OVERHEAD - 1));
    }

    @Test
    void anUnknownFormatVersionIsRefused() {
        for (int version : new int[] {0, 3, 0x82, 0xff}) {
            byte[] blob = encryptWithAes(new byte[3]);
            blob[0] = (byte) version;

            assertInvalid(blob);
        }
    }

    @Test
    void anUnknownAlgorithmIsRefused() {
        byte[] blob = encryptWithAes(new byte[3]);
        blob[1] = 99;

        assertInvalid(blob);
    }

    @Test
    void anInvalidBlobIsADecryptionFailureThatSaysNothing() {
        assertThatThrownBy(() -> CiphertextBlob.parse(new byte[10]))
                .isInstanceOf(DecryptionFailedException.class)
                .hasMessage("not a valid ciphertext blob");
    }

    @Test
    void toBytesReturnsACopy() {
        byte[] bytes = encryptWithAes(new byte[3]);
        CiphertextBlob blob = CiphertextBlob.parse(bytes);

        byte[] copy = blob.toBytes();
        copy[0] = 9;

        assertThat(blob.toBytes()).isEqualTo(bytes);
    }

    private byte[] encryptWithAes(byte[] plaintext) {
        try (SecretBytes material = RandomSource.newSecret(32)) {
            return cipher.encrypt(material, SymmetricAlgorithm.AES_256_GCM, KEY_ID, VERSION_ID, plaintext, NO_CONTEXT);
        }
    }

    private static void assertInvalid(byte[] bytes) {
        assertThatThrownBy(() -> CiphertextBlob.parse(bytes)).isInstanceOf(InvalidCiphertextException.class);
    }
}
