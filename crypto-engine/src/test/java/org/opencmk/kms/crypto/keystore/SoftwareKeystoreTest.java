package org.opencmk.kms.crypto.keystore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

class SoftwareKeystoreTest extends KeystoreContract {

    private static final KeyId KEY_ID = KeyId.random();
    private static final KeyVersionId VERSION_ID = KeyVersionId.random();
    private static final String PURPOSE = "api-secret-key:AKIDexample";

    @TempDir
    Path dataDirectory;

    @Override
    protected Keystore openKeystore() {
        return new SoftwareKeystore(RandomSource.newSecret(32));
    }

    @Test
    void protectionLevelIsSoftware() {
        assertThat(keystore.protectionLevel()).isEqualTo(ProtectionLevel.SOFTWARE);
    }

    @Test
    void wrappedFormsBeginWithFormatVersionTwoAndAesGcm() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_ID);
        byte[] material = keystore.wrapMaterial(kek, ACCOUNT, KEY_ID, VERSION_ID, RandomSource.newMaterial(KeySpec.SM4)).bytes();
        byte[] secret = keystore.wrapSecret(PURPOSE, RandomSource.newSecret(8));

        for (byte[] wrapped : new byte[][] {kek, material, secret}) {
            assertThat(wrapped[0]).as("format version").isEqualTo((byte) 2);
            assertThat(wrapped[1]).as("AES-256-GCM").isEqualTo((byte) 1);
        }
        assertThat(kek).hasSize(1 + 1 + 12 + 32 + 16);
    }

    /**
     * A data directory of the release before accounts were bound: its KEK reference and material
     * are format version 1, sealed with associated data that names no account. Built here with
     * the JDK's AES-GCM from the layout {@code SymmetricCipher#wrap} documents.
     */
    @Test
    void aKeyEncryptionKeyOfTheEarlierFormatIsBoundToItsAccountAndItsMaterialStillUnwraps() throws Exception {
        byte[] root = RandomSource.randomBytes(32);
        byte[] kek = RandomSource.randomBytes(32);
        byte[] material = RandomSource.randomBytes(32);
        byte[] legacyKek = legacyWrap(root, kek, concat(label("opencmk/kek"), uuid(KEY_ID.uuid())));
        byte[] legacyMaterial = legacyWrap(kek, material,
                concat(label("opencmk/material"), uuid(KEY_ID.uuid()), uuid(VERSION_ID.uuid())));
        try (SoftwareKeystore legacy = new SoftwareKeystore(SecretBytes.copyOf(root))) {
            byte[] bound = legacy.bindKeyEncryptionKey(legacyKek, ACCOUNT, KEY_ID);

            assertThat(bound[0]).as("format version").isEqualTo((byte) 2);
            try (SecretBytes unwrapped = legacy.unwrapMaterial(bound, ACCOUNT, KEY_ID, VERSION_ID,
                    new WrappedKeyMaterial(legacyMaterial))) {
                assertThat(unwrapped.insecureBytes()).isEqualTo(material);
            }
            assertThatThrownBy(() -> legacy.unwrapMaterial(bound, OTHER_ACCOUNT, KEY_ID, VERSION_ID,
                    new WrappedKeyMaterial(legacyMaterial))).isInstanceOf(KeyMaterialUnavailableException.class);
            byte[] downgraded = legacy.wrapMaterial(bound, ACCOUNT, KEY_ID, VERSION_ID, SecretBytes.copyOf(material))
                    .bytes();
            downgraded[0] = 1;
            assertThatThrownBy(() -> legacy.unwrapMaterial(bound, ACCOUNT, KEY_ID, VERSION_ID,
                    new WrappedKeyMaterial(downgraded))).isInstanceOf(KeyMaterialUnavailableException.class);
        }
    }

    /**
     * The fingerprint construction the class documents, computed with BouncyCastle's HKDF and HMAC
     * from a KEK reference made by hand: every stored fingerprint depends on it, so it must not
     * change, not even through a refactoring that keeps the contract's properties.
     */
    @Test
    void theFingerprintIsHmacSha256UnderAKeyExpandedFromTheKekAsDocumented() throws Exception {
        byte[] root = RandomSource.randomBytes(32);
        byte[] kek = RandomSource.randomBytes(32);
        byte[] material = RandomSource.randomBytes(32);
        byte[] reference = wrapByHand((byte) 2, root, kek,
                concat(label("opencmk/kek"), account(ACCOUNT), uuid(KEY_ID.uuid())));
        byte[] fingerprintKey = new byte[32];
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(HKDFParameters.skipExtractParameters(kek,
                concat(label("opencmk/import-fingerprint"), account(ACCOUNT), uuid(KEY_ID.uuid()))));
        hkdf.generateBytes(fingerprintKey, 0, 32);
        HMac hmac = new HMac(new SHA256Digest());
        hmac.init(new KeyParameter(fingerprintKey));
        hmac.update(material, 0, material.length);
        byte[] expected = new byte[32];
        hmac.doFinal(expected, 0);

        try (SoftwareKeystore byHand = new SoftwareKeystore(SecretBytes.copyOf(root))) {
            assertThat(byHand.fingerprintMaterial(reference, ACCOUNT, KEY_ID, SecretBytes.copyOf(material)))
                    .isEqualTo(expected);
        }
    }

    @Test
    void aFingerprintOutlivesARestart() throws IOException {
        Path file = dataDirectory.resolve("root.key");
        byte[] material = RandomSource.randomBytes(16);
        byte[] kek;
        byte[] fingerprint;
        try (Keystore first = SoftwareKeystore.openOrCreate(file)) {
            kek = first.createKeyEncryptionKey(ACCOUNT, KEY_ID);
            fingerprint = first.fingerprintMaterial(kek, ACCOUNT, KEY_ID, SecretBytes.copyOf(material));
        }

        try (Keystore reopened = SoftwareKeystore.openOrCreate(file)) {
            assertThat(reopened.fingerprintMaterial(kek, ACCOUNT, KEY_ID, SecretBytes.copyOf(material)))
                    .isEqualTo(fingerprint);
        }
    }

    private static byte[] legacyWrap(byte[] key, byte[] secret, byte[] associatedData) throws Exception {
        return wrapByHand((byte) 1, key, secret, associatedData);
    }

    private static byte[] wrapByHand(byte formatVersion, byte[] key, byte[] secret, byte[] associatedData)
            throws Exception {
        byte[] header = new byte[14];
        header[0] = formatVersion;
        header[1] = 1; // AES-256-GCM
        System.arraycopy(RandomSource.randomBytes(12), 0, header, 2, 12);
        javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"),
                new javax.crypto.spec.GCMParameterSpec(128, header, 2, 12));
        gcm.updateAAD(header);
        gcm.updateAAD(associatedData);
        return concat(header, gcm.doFinal(secret));
    }

    private static byte[] label(String name) {
        return concat(name.getBytes(StandardCharsets.US_ASCII), new byte[1]);
    }

    private static byte[] account(AccountId account) {
        return java.nio.ByteBuffer.allocate(8).putLong(account.value()).array();
    }

    private static byte[] uuid(java.util.UUID uuid) {
        return java.nio.ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits()).array();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @Test
    void aKeyEncryptionKeyReferenceCannotBeUnwrappedAsASecret() {
        byte[] kek = keystore.createKeyEncryptionKey(ACCOUNT, KEY_ID);

        assertThatThrownBy(() -> keystore.unwrapSecret("kek", kek)).isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void closingZeroesTheRootKey() {
        SecretBytes root = RandomSource.newSecret(32);

        new SoftwareKeystore(root).close();

        assertThat(root.isDestroyed()).isTrue();
    }

    @Test
    void aRootKeyOfAnotherLengthIsRefused() {
        assertThatThrownBy(() -> new SoftwareKeystore(RandomSource.newSecret(16)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRootKeyFileIsCreatedForItsOwnerOnly() throws IOException {
        Path file = dataDirectory.resolve("keystore").resolve("root.key");

        SoftwareKeystore.openOrCreate(file).close();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Base64.getDecoder().decode(Files.readString(file).strip())).hasSize(32);
        assertThat(Files.list(file.getParent())).as("no temporary file left").containsExactly(file);
    }

    @Test
    void reopeningTheRootKeyFileGivesTheSameRoot() throws IOException {
        Path file = dataDirectory.resolve("root.key");
        SecretBytes material = RandomSource.newMaterial(KeySpec.AES_256);
        byte[] kek;
        WrappedKeyMaterial wrapped;
        try (Keystore first = SoftwareKeystore.openOrCreate(file)) {
            kek = first.createKeyEncryptionKey(ACCOUNT, KEY_ID);
            wrapped = first.wrapMaterial(kek, ACCOUNT, KEY_ID, VERSION_ID, material);
        }

        try (Keystore reopened = SoftwareKeystore.openOrCreate(file)) {
            assertThat(reopened.unwrapMaterial(kek, ACCOUNT, KEY_ID, VERSION_ID, wrapped).insecureBytes())
                    .isEqualTo(material.insecureBytes());
        }
    }

    @Test
    void aRootKeyFileWrittenByHandIsTheSameRootAsItsBase64() throws IOException {
        String encoded = Base64.getEncoder().encodeToString(RandomSource.randomBytes(32));
        Path file = writeOwnerOnly("root.key", encoded + "\n");
        byte[] wrapped;
        try (Keystore fromFile = SoftwareKeystore.openOrCreate(file)) {
            wrapped = fromFile.wrapSecret(PURPOSE, SecretBytes.copyOf(new byte[] {42}));
        }

        try (Keystore fromEnvironment = SoftwareKeystore.fromBase64(encoded)) {
            assertThat(fromEnvironment.unwrapSecret(PURPOSE, wrapped).insecureBytes()).containsExactly(42);
        }
    }

    @Test
    void aRootKeyFileOthersCanReadIsRefused() throws IOException {
        String encoded = Base64.getEncoder().encodeToString(RandomSource.randomBytes(32));
        Path file = writeOwnerOnly("root.key", encoded);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> SoftwareKeystore.openOrCreate(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("rw-r--r--")
                .hasMessageNotContaining(encoded);
    }

    @Test
    void aRootKeyFileTheGroupCanWriteIsRefused() throws IOException {
        Path file = writeOwnerOnly("root.key", Base64.getEncoder().encodeToString(RandomSource.randomBytes(32)));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw--w----"));

        assertThatThrownBy(() -> SoftwareKeystore.openOrCreate(file)).isInstanceOf(IOException.class);
    }

    @Test
    void aReadOnlyRootKeyFileIsAccepted() throws IOException {
        Path file = writeOwnerOnly("root.key", Base64.getEncoder().encodeToString(RandomSource.randomBytes(32)));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));

        SoftwareKeystore.openOrCreate(file).close();
    }

    @Test
    void aRootKeyFileWithoutARootKeyIsRefusedWithoutShowingItsContent() throws IOException {
        String tooShort = Base64.getEncoder().encodeToString("sixteen byte key".getBytes(StandardCharsets.US_ASCII));
        Path shortKey = writeOwnerOnly("short.key", tooShort);
        Path notBase64 = writeOwnerOnly("garbage.key", "this is no key!");

        assertThatThrownBy(() -> SoftwareKeystore.openOrCreate(shortKey))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(shortKey.toString())
                .hasMessageNotContaining(tooShort)
                .hasNoCause();
        assertThatThrownBy(() -> SoftwareKeystore.openOrCreate(notBase64))
                .isInstanceOf(IOException.class)
                .hasMessageNotContaining("this is no key")
                .hasNoCause();
    }

    @Test
    void fromBase64RejectsWrongLengthsWithoutEchoingTheValue() {
        for (int length : new int[] {0, 16, 31, 33, 64}) {
            String encoded = Base64.getEncoder().encodeToString(RandomSource.randomBytes(length));
            assertThatThrownBy(() -> SoftwareKeystore.fromBase64(encoded))
                    .as("%d bytes", length)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("32 bytes")
                    .satisfies(e -> assertThat(encoded.isEmpty() || !e.getMessage().contains(encoded)).isTrue());
        }
    }

    @Test
    void fromBase64RejectsTextThatIsNotBase64WithoutEchoingIt() {
        String secretLooking = "s3cr3t-r00t-k3y-with-illegal-chars!!";

        assertThatThrownBy(() -> SoftwareKeystore.fromBase64(secretLooking))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining(secretLooking)
                .hasNoCause();
    }

    private Path writeOwnerOnly(String name, String content) throws IOException {
        Path file = Files.createFile(dataDirectory.resolve(name),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, content);
    }
}
