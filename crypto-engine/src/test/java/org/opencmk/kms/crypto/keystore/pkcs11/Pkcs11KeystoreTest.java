package org.opencmk.kms.crypto.keystore.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opencmk.kms.crypto.CiphertextBlob;
import org.opencmk.kms.crypto.DecryptionFailedException;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.SymmetricAlgorithm;
import org.opencmk.kms.crypto.SymmetricCipher;
import org.opencmk.kms.crypto.asymmetric.AsymmetricCiphers;
import org.opencmk.kms.crypto.asymmetric.AsymmetricPublicKey;
import org.opencmk.kms.crypto.asymmetric.MessageType;
import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;
import org.opencmk.kms.crypto.asymmetric.SignatureAlgorithm;
import org.opencmk.kms.crypto.asymmetric.Signatures;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.crypto.keystore.KeystoreContract;
import org.opencmk.kms.crypto.keystore.KeystoreUnavailableException;
import org.opencmk.kms.crypto.keystore.TokenKeystore.TokenKeyPair;
import org.opencmk.kms.crypto.keystore.UnsupportedByKeystoreException;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;
import ru.rutoken.pkcs11jna.Pkcs11;

/**
 * The PKCS#11 keystore on a throwaway SoftHSM2 token: the contract every keystore passes, and
 * what only a token keystore does. Skipped, saying why, without SoftHSM2.
 */
class Pkcs11KeystoreTest extends KeystoreContract {

    private static final AccountId OWNER = new AccountId(100000000001L);
    private static final AccountId STRANGER = new AccountId(100000000002L);
    private static final byte[] CONTEXT = "{\"purpose\":\"test\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PLAINTEXT = "attack at dawn".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NO_CONTEXT = new byte[0];

    private final KeyId keyId = KeyId.random();
    private final KeyVersionId versionId = KeyVersionId.random();
    private final SymmetricCipher software = new SymmetricCipher();

    @BeforeAll
    static void createToken() throws Exception {
        SoftHsmToken.require();
    }

    @Override
    protected Keystore openKeystore() {
        return Pkcs11Keystore.openByLabel(SoftHsmToken.LIBRARY, SoftHsmToken.LABEL, SoftHsmToken.pin());
    }

    private Pkcs11Keystore token() {
        return (Pkcs11Keystore) keystore;
    }

    /** Material never leaves: prove it by encrypting in the token and decrypting in software. */
    @Override
    protected void assertHolds(byte[] kek, AccountId account, KeyId key, KeyVersionId version,
            WrappedKeyMaterial wrapped, SecretBytes material) {
        byte[] blob = token().encrypt(kek, account, key, version, wrapped, KeySpec.AES_256, PLAINTEXT, NO_CONTEXT);
        assertThat(software.decrypt(material, CiphertextBlob.parse(blob), NO_CONTEXT)).isEqualTo(PLAINTEXT);
    }

    @Override
    protected void use(byte[] kek, AccountId account, KeyId key, KeyVersionId version, WrappedKeyMaterial wrapped) {
        token().encrypt(kek, account, key, version, wrapped, KeySpec.AES_256, PLAINTEXT, NO_CONTEXT);
    }

    // ---- what only the token keystore does ----

    @Test
    void protectionLevelIsHsmAndItOwnsOnlyItsReferences() {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);

        assertThat(keystore.protectionLevel()).isEqualTo(ProtectionLevel.HSM);
        assertThat(token().owns(kek)).isTrue();
        assertThat(token().owns(new byte[] {2, 1, 0})).as("a software wrapped form, format 2").isFalse();
        assertThat(token().owns(new byte[] {1, 1, 0})).as("a software wrapped form, format 1").isFalse();
        assertThat(token().available()).isTrue();
    }

    @Test
    void aBlobMadeInTheTokenDecryptsInSoftwareAndTheReverse() {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        try (SecretBytes material = RandomSource.newMaterial(KeySpec.AES_256)) {
            WrappedKeyMaterial version = keystore.wrapMaterial(kek, OWNER, keyId, versionId, material);

            byte[] fromToken = token().encrypt(kek, OWNER, keyId, versionId, version, KeySpec.AES_256, PLAINTEXT, CONTEXT);
            byte[] fromSoftware = software.encrypt(material, SymmetricAlgorithm.AES_256_GCM, keyId, versionId, PLAINTEXT,
                    CONTEXT);

            assertThat(fromToken).hasSize(PLAINTEXT.length + CiphertextBlob.OVERHEAD);
            assertThat(fromToken[0]).as("format").isEqualTo(CiphertextBlob.FORMAT_VERSION);
            assertThat(fromToken[1]).as("algorithm").isEqualTo(SymmetricAlgorithm.AES_256_GCM.id());
            assertThat(software.decrypt(material, CiphertextBlob.parse(fromToken), CONTEXT)).isEqualTo(PLAINTEXT);
            assertThat(token().decrypt(kek, OWNER, version, CiphertextBlob.parse(fromSoftware), CONTEXT))
                    .isEqualTo(PLAINTEXT);
        }
    }

    @Test
    void generatedMaterialRoundTripsAndRefusesAnotherContextOrAlteredBytes() {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        WrappedKeyMaterial version = token().generateMaterial(kek, OWNER, keyId, versionId, KeySpec.AES_256);
        byte[] blob = token().encrypt(kek, OWNER, keyId, versionId, version, KeySpec.AES_256, PLAINTEXT, CONTEXT);
        byte[] altered = blob.clone();
        altered[altered.length - 1] ^= 1;

        assertThat(token().decrypt(kek, OWNER, version, CiphertextBlob.parse(blob), CONTEXT)).isEqualTo(PLAINTEXT);
        assertThatThrownBy(() -> token().decrypt(kek, OWNER, version, CiphertextBlob.parse(blob), NO_CONTEXT))
                .isInstanceOf(DecryptionFailedException.class);
        assertThatThrownBy(() -> token().decrypt(kek, OWNER, version, CiphertextBlob.parse(altered), CONTEXT))
                .isInstanceOf(DecryptionFailedException.class);
        assertThat(token().available()).as("a bad tag is no token failure").isTrue();
    }

    @Test
    void aVersionReferenceServesOnlyItsAccountKeyAndVersion() {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        WrappedKeyMaterial version = token().generateMaterial(kek, OWNER, keyId, versionId, KeySpec.AES_256);
        KeyId otherKey = KeyId.random();
        byte[] otherKek = keystore.createKeyEncryptionKey(OWNER, otherKey);

        assertThatThrownBy(() -> use(kek, OWNER, keyId, KeyVersionId.random(), version))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> use(otherKek, OWNER, otherKey, versionId, version))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> use(kek, STRANGER, keyId, versionId, version))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void materialNeverLeavesTheToken() {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        WrappedKeyMaterial version = token().generateMaterial(kek, OWNER, keyId, versionId, KeySpec.AES_256);

        assertThatThrownBy(() -> keystore.unwrapMaterial(kek, OWNER, keyId, versionId, version))
                .isInstanceOf(KeyMaterialUnavailableException.class)
                .hasMessageContaining("never leaves the token");
    }

    @Test
    void smSpecsAreUnsupported() {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);

        assertThat(token().supports(KeySpec.SM4)).isFalse();
        assertThat(token().supports(KeySpec.SM2)).isFalse();
        assertThat(token().supports(KeySpec.AES_256)).isTrue();
        assertThatThrownBy(() -> token().generateMaterial(kek, OWNER, keyId, versionId, KeySpec.SM4))
                .isInstanceOf(UnsupportedByKeystoreException.class);
        assertThatThrownBy(() -> token().generateKeyPair(kek, OWNER, keyId, versionId, KeySpec.SM2))
                .isInstanceOf(UnsupportedByKeystoreException.class);
        assertThatThrownBy(() -> keystore.wrapMaterial(kek, OWNER, keyId, versionId, RandomSource.newMaterial(KeySpec.SM4)))
                .isInstanceOf(UnsupportedByKeystoreException.class);
    }

    @ParameterizedTest
    @EnumSource(value = SignatureAlgorithm.class, names = {"RSA_PSS_SHA_256", "RSA_PKCS1_SHA_256", "ECC_P256_R1"})
    void tokenSignaturesVerifyInSoftware(SignatureAlgorithm algorithm) throws Exception {
        KeySpec spec = algorithm == SignatureAlgorithm.ECC_P256_R1 ? KeySpec.ECC_P256 : KeySpec.RSA_2048;
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        TokenKeyPair pair = token().generateKeyPair(kek, OWNER, keyId, versionId, spec);
        AsymmetricPublicKey publicKey = AsymmetricPublicKey.fromDer(pair.publicKey());
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(PLAINTEXT);

        byte[] rawSignature = token().sign(kek, OWNER, keyId, versionId, pair.privateKey(), spec, algorithm,
                MessageType.RAW, PLAINTEXT);
        byte[] digestSignature = token().sign(kek, OWNER, keyId, versionId, pair.privateKey(), spec, algorithm,
                MessageType.DIGEST, digest);

        assertThat(publicKey.spec()).isEqualTo(spec);
        assertThat(Signatures.verify(publicKey, algorithm, MessageType.RAW, PLAINTEXT, rawSignature)).isTrue();
        assertThat(Signatures.verify(publicKey, algorithm, MessageType.DIGEST, digest, digestSignature)).isTrue();
        assertThat(Signatures.verify(publicKey, algorithm, MessageType.RAW, PLAINTEXT, digestSignature)).isTrue();
        assertThat(Signatures.verify(publicKey, algorithm, MessageType.RAW, CONTEXT, rawSignature)).isFalse();
    }

    @Test
    void sm2SignatureIsUnsupported() {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        TokenKeyPair pair = token().generateKeyPair(kek, OWNER, keyId, versionId, KeySpec.ECC_P256);

        assertThatThrownBy(() -> token().sign(kek, OWNER, keyId, versionId, pair.privateKey(), KeySpec.SM2,
                SignatureAlgorithm.SM2DSA, MessageType.RAW, PLAINTEXT)).isInstanceOf(UnsupportedByKeystoreException.class);
    }

    @ParameterizedTest
    @EnumSource(value = PublicKeyEncryption.class, names = {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSAES_PKCS1_V1_5"})
    void theTokenDecryptsWhatSoftwareEncryptedUnderItsPublicKey(PublicKeyEncryption scheme) {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        TokenKeyPair pair = token().generateKeyPair(kek, OWNER, keyId, versionId, KeySpec.RSA_2048);
        byte[] ciphertext = AsymmetricCiphers.encrypt(AsymmetricPublicKey.fromDer(pair.publicKey()), scheme, PLAINTEXT);

        try (SecretBytes plaintext = token().decrypt(kek, OWNER, keyId, versionId, pair.privateKey(), KeySpec.RSA_2048,
                scheme, ciphertext)) {
            assertThat(plaintext.insecureBytes()).isEqualTo(PLAINTEXT);
        }
        byte[] altered = ciphertext.clone();
        altered[10] ^= 1;
        assertThatThrownBy(() -> token().decrypt(kek, OWNER, keyId, versionId, pair.privateKey(), KeySpec.RSA_2048,
                scheme, altered)).isInstanceOf(DecryptionFailedException.class);
    }

    @Test
    void oaepWithSha256MatchesTheJdksMgf1Sha256() throws Exception {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        TokenKeyPair pair = token().generateKeyPair(kek, OWNER, keyId, versionId, KeySpec.RSA_2048);
        Cipher jdk = Cipher.getInstance("RSA/ECB/OAEPPadding");
        jdk.init(Cipher.ENCRYPT_MODE, KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(pair.publicKey())),
                new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));

        try (SecretBytes plaintext = token().decrypt(kek, OWNER, keyId, versionId, pair.privateKey(), KeySpec.RSA_2048,
                PublicKeyEncryption.RSAES_OAEP_SHA_256, jdk.doFinal(PLAINTEXT))) {
            assertThat(plaintext.insecureBytes()).isEqualTo(PLAINTEXT);
        }
    }

    @Test
    void destroyingTheKeyEncryptionKeyDestroysEveryObjectOfTheKeyAndIsIdempotent() {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        WrappedKeyMaterial symmetric = token().generateMaterial(kek, OWNER, keyId, versionId, KeySpec.AES_256);
        token().wrapMaterial(kek, OWNER, keyId, KeyVersionId.random(), RandomSource.newMaterial(KeySpec.AES_256));
        token().generateKeyPair(kek, OWNER, keyId, KeyVersionId.random(), KeySpec.RSA_2048);
        token().generateKeyPair(kek, OWNER, keyId, KeyVersionId.random(), KeySpec.ECC_P256);
        KeyId neighbour = KeyId.random();
        byte[] neighbourKek = keystore.createKeyEncryptionKey(OWNER, neighbour);
        assertThat(token().countObjects(keyId)).isEqualTo(5);

        keystore.destroyKeyEncryptionKey(keyId, kek);
        keystore.destroyKeyEncryptionKey(keyId, kek);

        assertThat(token().countObjects(keyId)).isZero();
        assertThat(token().countObjects(neighbour)).isEqualTo(1);
        assertThatThrownBy(() -> use(kek, OWNER, keyId, versionId, symmetric))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> keystore.fingerprintMaterial(kek, OWNER, keyId, RandomSource.newSecret(32)))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThatThrownBy(() -> keystore.bindKeyEncryptionKey(kek, OWNER, keyId))
                .isInstanceOf(KeyMaterialUnavailableException.class);
        assertThat(keystore.bindKeyEncryptionKey(neighbourKek, OWNER, neighbour)).isEqualTo(neighbourKek);
    }

    @Test
    void everyObjectIsASensitiveNonExtractableTokenObject() {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        token().generateMaterial(kek, OWNER, keyId, versionId, KeySpec.AES_256);
        token().wrapMaterial(kek, OWNER, keyId, KeyVersionId.random(), RandomSource.newMaterial(KeySpec.AES_256));
        token().generateKeyPair(kek, OWNER, keyId, KeyVersionId.random(), KeySpec.RSA_2048);
        token().generateKeyPair(kek, OWNER, keyId, KeyVersionId.random(), KeySpec.ECC_P256);

        assertThat(token().countObjects(keyId)).as("KEK and four versions, no public key left").isEqualTo(5);
        assertThat(token().exposedObjects(keyId)).isEmpty();
    }

    @Test
    void aCachedHandleOfAnObjectDestroyedElsewhereIsLookedUpAgainAndFoundMissing() {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        WrappedKeyMaterial version = token().generateMaterial(kek, OWNER, keyId, versionId, KeySpec.AES_256);
        use(kek, OWNER, keyId, versionId, version); // caches the handle

        try (Pkcs11Keystore otherNode = (Pkcs11Keystore) openKeystore()) {
            otherNode.destroyKeyEncryptionKey(keyId, kek);
        }

        assertThatThrownBy(() -> use(kek, OWNER, keyId, versionId, version))
                .isInstanceOf(KeyMaterialUnavailableException.class)
                .hasMessageContaining("not in the token");
        assertThat(token().available()).isTrue();
    }

    @Test
    void aReopenedKeystoreFindsRootKeyEncryptionKeyAndVersionsAgain() throws Exception {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        byte[] fingerprint = keystore.fingerprintMaterial(kek, OWNER, keyId, SecretBytes.copyOf(PLAINTEXT));
        WrappedKeyMaterial version = token().generateMaterial(kek, OWNER, keyId, versionId, KeySpec.AES_256);
        byte[] blob = token().encrypt(kek, OWNER, keyId, versionId, version, KeySpec.AES_256, PLAINTEXT, CONTEXT);
        byte[] secret = keystore.wrapSecret("api-secret-key:AKIDrestart", SecretBytes.copyOf(PLAINTEXT));

        keystore.close();
        keystore = openKeystore();

        try (SecretBytes unwrapped = keystore.unwrapSecret("api-secret-key:AKIDrestart", secret)) {
            assertThat(unwrapped.insecureBytes()).isEqualTo(PLAINTEXT);
        }
        assertThat(keystore.fingerprintMaterial(kek, OWNER, keyId, SecretBytes.copyOf(PLAINTEXT))).isEqualTo(fingerprint);
        assertThat(token().decrypt(kek, OWNER, version, CiphertextBlob.parse(blob), CONTEXT)).isEqualTo(PLAINTEXT);
    }

    @Test
    void aWrongPinIsRefusedAtOpenWithoutSayingThePin() {
        keystore.close(); // login is per process: the wrong PIN must meet a logged-out token
        char[] wrong = "not-the-pin-4242".toCharArray();

        assertThatThrownBy(() -> Pkcs11Keystore.openByLabel(SoftHsmToken.LIBRARY, SoftHsmToken.LABEL, wrong))
                .isInstanceOf(KeystoreUnavailableException.class)
                .hasMessageContaining("PIN")
                .hasMessageNotContaining("not-the-pin-4242");
        keystore = openKeystore();
    }

    @Test
    void aMissingLibraryOrTokenMakesTheKeystoreUnavailable() {
        assertThatThrownBy(() -> Pkcs11Keystore.openByLabel("/nonexistent/libpkcs11.so", SoftHsmToken.LABEL,
                SoftHsmToken.pin())).isInstanceOf(KeystoreUnavailableException.class)
                .hasMessageContaining("/nonexistent/libpkcs11.so")
                .hasMessageNotContaining(SoftHsmToken.PIN);
        assertThatThrownBy(() -> Pkcs11Keystore.openByLabel(SoftHsmToken.LIBRARY, "no-such-token", SoftHsmToken.pin()))
                .isInstanceOf(KeystoreUnavailableException.class)
                .hasMessageContaining("no-such-token")
                .hasMessageNotContaining(SoftHsmToken.PIN);
    }

    @Test
    void aTokenOpenedBySlotIndexServesTheSameRoot() {
        byte[] secret = keystore.wrapSecret("api-secret-key:AKIDslot", SecretBytes.copyOf(PLAINTEXT));

        try (Pkcs11Keystore bySlot = Pkcs11Keystore.openBySlotIndex(SoftHsmToken.LIBRARY, 0, SoftHsmToken.pin())) {
            assertThat(bySlot.unwrapSecret("api-secret-key:AKIDslot", secret).insecureBytes()).isEqualTo(PLAINTEXT);
        }
    }

    @Test
    void theKeystoreRecoversByItselfAfterTheLibraryLostItsState() {
        MutableClock clock = new MutableClock();
        byte[] secret = keystore.wrapSecret("api-secret-key:AKIDrecover", SecretBytes.copyOf(PLAINTEXT));
        keystore.close();
        keystore = Pkcs11Keystore.open(SoftHsmToken.LIBRARY, new TokenConnection.TokenSelector(SoftHsmToken.LABEL, -1),
                SoftHsmToken.pin(), Duration.ofSeconds(1), clock);

        // What a removed and re-inserted token looks like from here: every session and the login gone.
        Native.load(SoftHsmToken.LIBRARY, Pkcs11.class).C_Finalize(null);

        assertThatThrownBy(() -> keystore.unwrapSecret("api-secret-key:AKIDrecover", secret))
                .isInstanceOf(KeystoreUnavailableException.class)
                .hasMessageNotContaining(SoftHsmToken.PIN);
        assertThat(token().available()).as("within the retry interval").isFalse();
        clock.advance(Duration.ofMillis(1500));
        assertThat(token().available()).as("after it").isTrue();
        assertThat(keystore.unwrapSecret("api-secret-key:AKIDrecover", secret).insecureBytes()).isEqualTo(PLAINTEXT);
    }

    /**
     * A token pulled out and put back (SoftHSM2: its directory moved away and back, the way to
     * simulate removal that a running process sees): unavailable meanwhile, never "destroyed", and
     * served again once back.
     */
    @Test
    void aTokenPulledOutIsUnavailableNeverEmptyAndServesAgainOncePutBack() throws Exception {
        MutableClock clock = new MutableClock();
        keystore.close();
        keystore = Pkcs11Keystore.open(SoftHsmToken.LIBRARY, new TokenConnection.TokenSelector(SoftHsmToken.LABEL, -1),
                SoftHsmToken.pin(), Duration.ofSeconds(1), clock);
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        WrappedKeyMaterial version = token().generateMaterial(kek, OWNER, keyId, versionId, KeySpec.AES_256);
        CiphertextBlob blob = CiphertextBlob.parse(
                token().encrypt(kek, OWNER, keyId, versionId, version, KeySpec.AES_256, PLAINTEXT, CONTEXT));
        java.nio.file.Path tokens = java.nio.file.Path.of(System.getenv("SOFTHSM2_CONF")).resolveSibling("tokens");
        java.nio.file.Path tokenDirectory;
        try (var entries = java.nio.file.Files.list(tokens)) {
            tokenDirectory = entries.filter(java.nio.file.Files::isDirectory).findFirst().orElseThrow();
        }
        java.nio.file.Path away = tokens.resolveSibling("pulled-out");
        java.nio.file.Files.move(tokenDirectory, away);
        try {
            assertThatThrownBy(() -> token().decrypt(kek, OWNER, version, blob, CONTEXT))
                    .isInstanceOf(KeystoreUnavailableException.class);
            assertThat(token().available()).isFalse();
        } finally {
            java.nio.file.Files.move(away, tokenDirectory);
        }
        clock.advance(Duration.ofMillis(1500));
        assertThat(token().available()).as("back, after the retry interval").isTrue();
        assertThat(token().decrypt(kek, OWNER, version, blob, CONTEXT)).isEqualTo(PLAINTEXT);
    }

    @Test
    void aFullTokenIsReportedAsFullAndTheConnectionKept() {
        try (TokenConnection connection = new TokenConnection(SoftHsmToken.LIBRARY,
                new TokenConnection.TokenSelector(SoftHsmToken.LABEL, -1), SoftHsmToken.pin(), 1, Duration.ofSeconds(1),
                Clock.systemUTC())) {
            assertThatThrownBy(() -> connection.withSession((c, s) -> {
                throw new Pkcs11Error("C_GenerateKey", ReturnCodes.CKR_DEVICE_MEMORY);
            })).isInstanceOf(KeystoreUnavailableException.class).hasMessageContaining("is full");
            assertThat(connection.available()).isTrue();
        }
    }

    @Test
    void concurrentCallsShareThePoolOfSessions() throws Exception {
        byte[] kek = keystore.createKeyEncryptionKey(OWNER, keyId);
        WrappedKeyMaterial version = token().generateMaterial(kek, OWNER, keyId, versionId, KeySpec.AES_256);
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(12);
        try {
            java.util.List<java.util.concurrent.Future<byte[]>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 96; i++) {
                results.add(threads.submit(() -> token().decrypt(kek, OWNER, version, CiphertextBlob.parse(
                        token().encrypt(kek, OWNER, keyId, versionId, version, KeySpec.AES_256, PLAINTEXT, CONTEXT)),
                        CONTEXT)));
            }
            for (java.util.concurrent.Future<byte[]> result : results) {
                assertThat(result.get()).isEqualTo(PLAINTEXT);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-11-30T20:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
