package org.opencmk.kms.command.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.axonframework.test.matchers.Matchers.andNoMore;
import static org.axonframework.test.matchers.Matchers.exactSequenceOf;
import static org.axonframework.test.matchers.Matchers.matches;
import static org.axonframework.test.matchers.Matchers.payloadsMatching;
import static org.opencmk.kms.command.Refusals.refusedWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.command.rotation.EnableKeyRotation;
import org.opencmk.kms.command.rotation.RotateKey;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.asymmetric.AsymmetricPublicKey;
import org.opencmk.kms.crypto.asymmetric.MessageType;
import org.opencmk.kms.crypto.asymmetric.SignatureAlgorithm;
import org.opencmk.kms.crypto.asymmetric.Signatures;
import org.opencmk.kms.crypto.hierarchy.InMemoryKekRepository;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.crypto.keystore.SoftwareKeystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;

/**
 * An asymmetric key's versions, made by hand (CTyun guide 1.3, 1.7): the CMK aggregate with
 * {@link KeyPairVersionHandler}, a real key hierarchy (a new version is checked by signing with it)
 * and the account's version quota.
 */
class KeyPairVersionTest {

    private static final AccountId OWNER = new AccountId(100_000_001L);
    private static final AccountId ANOTHER_ACCOUNT = new AccountId(100_000_002L);
    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyVersionId FIRST_VERSION = new KeyVersionId("6a1e2f3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b");
    private static final KeyVersionId NEW_VERSION = new KeyVersionId("5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e");
    private static final Instant CREATED_AT = Instant.parse("2025-03-01T08:00:00Z");
    private static final Instant NOW = CREATED_AT.plus(Duration.ofDays(3));
    private static final byte[] MESSAGE = "release 1.4.2".getBytes(StandardCharsets.UTF_8);
    private static final int LIMIT = 3;

    private AggregateTestFixture<Cmk> fixture;
    private SoftwareKeystore keystore;
    private KeyHierarchy keyHierarchy;
    private InMemoryAsymmetricVersionQuota quota;
    private KeyHierarchy.NewKeyPair firstPair;

    @BeforeEach
    void setUp() {
        keystore = new SoftwareKeystore(SecretBytes.takeOwnership(RandomSource.randomBytes(SoftwareKeystore.ROOT_KEY_LENGTH)));
        keyHierarchy = new KeyHierarchy(keystore, new InMemoryKekRepository(), 100, Duration.ofMinutes(1));
        keyHierarchy.createKeyEncryptionKey(OWNER, KEY_ID);
        firstPair = keyHierarchy.generateKeyPair(OWNER, KEY_ID, FIRST_VERSION, KeySpec.ECC_P256);
        quota = new InMemoryAsymmetricVersionQuota(LIMIT);
        quota.reserve(OWNER, KEY_ID, FIRST_VERSION);

        fixture = new AggregateTestFixture<>(Cmk.class);
        fixture.registerAnnotatedCommandHandler(new KeyPairVersionHandler(fixture.getRepository(), keyHierarchy, quota));
        fixture.registerAnnotatedCommandHandler(new KeyRotationHandler(fixture.getRepository(), keyHierarchy));
        fixture.registerCommandHandlerInterceptor(new KeyNotFoundTranslation());
    }

    @AfterEach
    void tearDown() {
        keyHierarchy.close();
        keystore.close();
    }

    @Test
    void aNewVersionIsANewKeyPairThatSignsAndIsNotPrimary() {
        KeyVersionCreated[] created = new KeyVersionCreated[1];
        fixture.given(eccKeyCreated(), firstVersion())
                .when(new CreateKeyVersion(KEY_ID, OWNER, NEW_VERSION, NOW))
                .expectSuccessfulHandlerExecution()
                .expectResultMessagePayload(NEW_VERSION)
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        matches(payload -> {
                            if (payload instanceof KeyVersionCreated version && version.versionId().equals(NEW_VERSION)
                                    && !version.primary() && version.createdAt().equals(NOW)
                                    && version.publicKey() != null) {
                                created[0] = version;
                                return true;
                            }
                            return false;
                        }),
                        andNoMore())));

        KeyVersionCreated version = created[0];
        assertThat(version.publicKey()).isNotEqualTo(firstPair.publicKey());
        byte[] signature = keyHierarchy.sign(OWNER, KEY_ID, NEW_VERSION, version.material(), KeySpec.ECC_P256,
                SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE);
        AsymmetricPublicKey newKey = AsymmetricPublicKey.fromDer(version.publicKey().der());
        AsymmetricPublicKey firstKey = AsymmetricPublicKey.fromDer(firstPair.publicKey().der());
        assertThat(Signatures.verify(newKey, SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE, signature)).isTrue();
        assertThat(Signatures.verify(firstKey, SignatureAlgorithm.ECC_P256_R1, MessageType.RAW, MESSAGE, signature)).isFalse();
        assertThat(quota.reservations()).hasSize(2);
    }

    @Test
    void aDisabledKeyTakesANewVersionAndAKeyPendingDeletionDoesNot() {
        fixture.given(eccKeyCreated(), firstVersion(), new KeyDisabled(KEY_ID))
                .when(new CreateKeyVersion(KEY_ID, OWNER, NEW_VERSION, NOW))
                .expectSuccessfulHandlerExecution();

        fixture.given(eccKeyCreated(), firstVersion(), new KeyDeletionScheduled(KEY_ID, 7, NOW.plus(Duration.ofDays(7))))
                .when(new CreateKeyVersion(KEY_ID, OWNER, NEW_VERSION, NOW))
                .expectException(refusedWith(KmsError.KEY_STATE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    @Test
    void beyondTheAccountsLimitNoVersionIsMade() {
        quota.reserve(OWNER, new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"), KeyVersionId.random());
        quota.reserve(OWNER, new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"), KeyVersionId.random());

        fixture.given(eccKeyCreated(), firstVersion())
                .when(new CreateKeyVersion(KEY_ID, OWNER, NEW_VERSION, NOW))
                .expectException(refusedWith(KmsError.KEY_VERSION_LIMIT_EXCEEDED))
                .expectNoEvents();
        assertThat(quota.reservations()).hasSize(LIMIT);
    }

    @Test
    void anotherAccountCannotTellTheKeyExists() {
        fixture.given(eccKeyCreated(), firstVersion())
                .when(new CreateKeyVersion(KEY_ID, ANOTHER_ACCOUNT, NEW_VERSION, NOW))
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
        assertThat(quota.reservations()).hasSize(1);
    }

    @Test
    void aSymmetricKeyTakesNoKeyPairAndAnAsymmetricOneNeitherRotatesNorSchedulesRotation() {
        fixture.given(new KeyCreated(KEY_ID, OWNER, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, Origin.TENCENT_KMS,
                        ProtectionLevel.SOFTWARE, "", KeyState.Enabled, CREATED_AT))
                .when(new CreateKeyVersion(KEY_ID, OWNER, NEW_VERSION, NOW))
                .expectException(refusedWith(KmsError.KEY_USAGE_NOT_SUPPORTED))
                .expectNoEvents();

        fixture.given(eccKeyCreated(), firstVersion())
                .when(new RotateKey(KEY_ID, OWNER, NEW_VERSION, NOW))
                .expectException(refusedWith(KmsError.KEY_USAGE_NOT_SUPPORTED))
                .expectNoEvents();
        fixture.given(eccKeyCreated(), firstVersion())
                .when(new EnableKeyRotation(KEY_ID, OWNER, 30, Duration.ofDays(30), NOW))
                .expectException(refusedWith(KmsError.KEY_USAGE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    private static KeyCreated eccKeyCreated() {
        return new KeyCreated(KEY_ID, OWNER, KeySpec.ECC_P256, KeyUsage.ASYMMETRIC_SIGN_VERIFY_ECC, Origin.TENCENT_KMS,
                ProtectionLevel.SOFTWARE, "release signing", KeyState.Enabled, CREATED_AT);
    }

    private KeyVersionCreated firstVersion() {
        return new KeyVersionCreated(KEY_ID, FIRST_VERSION, firstPair.privateKey(), false, CREATED_AT,
                firstPair.publicKey());
    }
}
