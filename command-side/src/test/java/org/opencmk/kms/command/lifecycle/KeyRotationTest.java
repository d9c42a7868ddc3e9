package org.opencmk.kms.command.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.axonframework.test.matchers.Matchers.andNoMore;
import static org.axonframework.test.matchers.Matchers.exactSequenceOf;
import static org.axonframework.test.matchers.Matchers.matches;
import static org.axonframework.test.matchers.Matchers.payloadsMatching;
import static org.opencmk.kms.command.Refusals.refusedWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.axonframework.messaging.Message;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.matchers.Matchers;
import org.hamcrest.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.opencmk.kms.command.rotation.DisableKeyRotation;
import org.opencmk.kms.command.rotation.EnableKeyRotation;
import org.opencmk.kms.command.rotation.RotateKey;
import org.opencmk.kms.command.rotation.RotateKeyOnSchedule;
import org.opencmk.kms.crypto.CiphertextBlob;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.hierarchy.InMemoryKekRepository;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.SoftwareKeystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyMaterialImported;
import org.opencmk.kms.events.KeyRotationDisabled;
import org.opencmk.kms.events.KeyRotationEnabled;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.MaterialFingerprint;
import org.opencmk.kms.events.NextKeyRotationScheduled;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * Key versions and rotation (CTyun guide 1.3, 3.2.6): the CMK aggregate with {@link
 * KeyRotationHandler}, which makes each new version's material with a real key hierarchy, so a
 * rotated version is checked by encrypting with it.
 */
class KeyRotationTest {

    private static final AccountId OWNER = new AccountId(100_000_001L);
    private static final AccountId ANOTHER_ACCOUNT = new AccountId(100_000_002L);

    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyId NEVER_CREATED_KEY_ID = new KeyId("77777777-7777-4777-8777-777777777777");
    private static final KeyVersionId FIRST_VERSION = new KeyVersionId("6a1e2f3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b");
    /** The version a RotateKey under test names. */
    private static final KeyVersionId ROTATED_VERSION = new KeyVersionId("5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e");
    /** A version an earlier rotation made. */
    private static final KeyVersionId EARLIER_ROTATED_VERSION = new KeyVersionId("2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f");
    private static final String DESCRIPTION = "payroll database";

    private static final Instant CREATED_AT = Instant.parse("2025-03-01T08:00:00Z");
    private static final Instant ROTATED_AT = CREATED_AT.plus(Duration.ofDays(3));

    /** CTyun guide 3.2.6: 7–730 days. */
    private static final int SHORTEST_ROTATE_DAYS = 7;
    private static final int LONGEST_ROTATE_DAYS = 730;
    private static final int ROTATE_DAYS = 30;
    private static final Duration PERIOD = Duration.ofDays(ROTATE_DAYS);
    private static final Instant ROTATION_ENABLED_AT = CREATED_AT.plus(Duration.ofHours(1));
    /** The first scheduled turn, one period after rotation was enabled. */
    private static final Instant DUE = ROTATION_ENABLED_AT.plus(PERIOD);
    private static final Instant FOLLOWING_DUE = DUE.plus(PERIOD);
    /** How late a persistent deadline may fire after a restart or under load. */
    private static final Duration DEADLINE_LATENESS = Duration.ofMinutes(3);

    private static final int PENDING_WINDOW_DAYS = 7;
    private static final Instant DELETION_DATE = DUE.plus(Duration.ofDays(1));

    private static final byte[] PLAINTEXT = "salary table".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NO_CONTEXT = new byte[0];

    private AggregateTestFixture<Cmk> fixture;
    private SoftwareKeystore keystore;
    private KeyHierarchy keyHierarchy;
    /** The key's first version, wrapped under its real key-encryption key. */
    private WrappedKeyMaterial firstMaterial;

    @BeforeEach
    void setUp() {
        keystore = new SoftwareKeystore(SecretBytes.takeOwnership(RandomSource.randomBytes(SoftwareKeystore.ROOT_KEY_LENGTH)));
        keyHierarchy = new KeyHierarchy(keystore, new InMemoryKekRepository(), 100, Duration.ofMinutes(1));
        keyHierarchy.createKeyEncryptionKey(OWNER, KEY_ID);
        firstMaterial = keyHierarchy.generateMaterial(OWNER, KEY_ID, FIRST_VERSION, KeySpec.AES_256);

        fixture = new AggregateTestFixture<>(Cmk.class);
        fixture.registerAnnotatedCommandHandler(new KeyRotationHandler(fixture.getRepository(), keyHierarchy));
        fixture.registerCommandHandlerInterceptor(new KeyNotFoundTranslation());
    }

    @AfterEach
    void tearDown() {
        keyHierarchy.close();
        keystore.close();
    }

    // ---- RotateKey (on demand) ----------------------------------------------------------------

    @Test
    void rotatingAnEnabledKeyMakesTheNamedVersionItsPrimary() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .when(rotateKey(OWNER))
                .expectSuccessfulHandlerExecution()
                .expectResultMessagePayload(ROTATED_VERSION)
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        newPrimaryVersion(ROTATED_VERSION, ROTATED_AT),
                        andNoMore())));
    }

    @Test
    void rotatedVersionsMaterialIsFreshAndWrappedForThatVersion() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .when(rotateKey(OWNER))
                .expectSuccessfulHandlerExecution();

        WrappedKeyMaterial rotated = recordedVersion(ROTATED_VERSION).material();
        assertThat(rotated.bytes()).isNotEqualTo(firstMaterial.bytes());
        assertThat(roundTrip(ROTATED_VERSION, rotated)).isEqualTo(PLAINTEXT);
        // bound to the version it was made for: it cannot pass for the first one
        assertThatThrownBy(() -> roundTrip(FIRST_VERSION, rotated))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void ciphertextsOfThePreviousVersionStillDecryptAfterARotation() {
        byte[] before = keyHierarchy.encrypt(OWNER, KEY_ID, FIRST_VERSION, firstMaterial, KeySpec.AES_256,
                PLAINTEXT, NO_CONTEXT);

        fixture.given(kmsKeyIn(KeyState.Enabled))
                .when(rotateKey(OWNER))
                .expectSuccessfulHandlerExecution();

        assertThat(keyHierarchy.decrypt(OWNER, firstMaterial, CiphertextBlob.parse(before), NO_CONTEXT))
                .isEqualTo(PLAINTEXT);
    }

    @Test
    void keyCanBeRotatedOnDemandAgainAndAgain() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(new KeyVersionCreated(KEY_ID, EARLIER_ROTATED_VERSION, firstMaterial, true, CREATED_AT))
                .when(rotateKey(OWNER))
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        newPrimaryVersion(ROTATED_VERSION, ROTATED_AT),
                        andNoMore())));
    }

    @ParameterizedTest
    @EnumSource(value = KeyState.class, names = {"Disabled", "PendingDelete"})
    void rotatingAKeyThatIsNotEnabledIsRefused(KeyState state) {
        fixture.given(kmsKeyIn(state))
                .when(rotateKey(OWNER))
                .expectException(refusedWith(KmsError.KEY_STATE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    /** An EXTERNAL key is pending import until its material comes, and bound to that material after. */
    @ParameterizedTest
    @EnumSource(value = KeyState.class, names = {"PendingImport", "Enabled"})
    void rotatingAnExternalKeyIsRefusedWhetherOrNotItHasItsMaterial(KeyState state) {
        fixture.given(externalKeyIn(state))
                .when(rotateKey(OWNER))
                .expectException(refusedWith(KmsError.EXTERNAL_KEY_CANNOT_ROTATE))
                .expectNoEvents();
    }

    @Test
    void rotatingAnAsymmetricKeyIsRefused() {
        fixture.given(asymmetricKey())
                .when(rotateKey(OWNER))
                .expectException(refusedWith(KmsError.KEY_USAGE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    @Test
    void rotatingADeletedKeyIsAnsweredAsIfItNeverExisted() {
        fixture.given(kmsKeyIn(KeyState.PendingDelete))
                .andGiven(new KeyDeleted(KEY_ID, DELETION_DATE))
                .when(rotateKey(OWNER))
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void rotatingAKeyThatNeverExistedIsAnsweredKeyNotFound() {
        fixture.givenNoPriorActivity()
                .when(new RotateKey(NEVER_CREATED_KEY_ID, OWNER, ROTATED_VERSION, ROTATED_AT))
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    // ---- EnableKeyRotation, DisableKeyRotation -----------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {SHORTEST_ROTATE_DAYS, LONGEST_ROTATE_DAYS})
    void rotationEveryPeriodFromSevenTo730DaysIsFirstDueOnePeriodFromNow(int days) {
        Duration period = Duration.ofDays(days);
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .when(new EnableKeyRotation(KEY_ID, OWNER, days, period, ROTATION_ENABLED_AT))
                .expectEvents(new KeyRotationEnabled(KEY_ID, days, period, ROTATION_ENABLED_AT.plus(period)));
    }

    /** A shortened day (KMS_DAY_LENGTH, for tests of the running server) shortens the period, not the days shown. */
    @Test
    void firstTurnIsOnePeriodAsTheCommandMeasuredIt() {
        Duration shortenedPeriod = Duration.ofSeconds(SHORTEST_ROTATE_DAYS);
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .when(new EnableKeyRotation(KEY_ID, OWNER, SHORTEST_ROTATE_DAYS, shortenedPeriod, ROTATION_ENABLED_AT))
                .expectEvents(new KeyRotationEnabled(KEY_ID, SHORTEST_ROTATE_DAYS, shortenedPeriod,
                        ROTATION_ENABLED_AT.plus(shortenedPeriod)));
    }

    @ParameterizedTest
    @ValueSource(ints = {SHORTEST_ROTATE_DAYS - 1, LONGEST_ROTATE_DAYS + 1, 0, -1})
    void rotationPeriodOutsideSevenTo730DaysIsRefused(int days) {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .when(new EnableKeyRotation(KEY_ID, OWNER, days, Duration.ofDays(Math.max(0, days)), ROTATION_ENABLED_AT))
                .expectException(refusedWith(KmsError.INVALID_PARAMETER_VALUE))
                .expectNoEvents();
    }

    @Test
    void disabledKeyCanBeGivenARotationSchedule() {
        fixture.given(kmsKeyIn(KeyState.Disabled))
                .when(enableRotation())
                .expectEvents(rotationEnabled());
    }

    @Test
    void keyPendingDeletionCannotBeGivenARotationSchedule() {
        fixture.given(kmsKeyIn(KeyState.PendingDelete))
                .when(enableRotation())
                .expectException(refusedWith(KmsError.KEY_STATE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    @ParameterizedTest
    @EnumSource(value = KeyState.class, names = {"PendingImport", "Enabled"})
    void externalKeyCannotBeGivenARotationSchedule(KeyState state) {
        fixture.given(externalKeyIn(state))
                .when(enableRotation())
                .expectException(refusedWith(KmsError.EXTERNAL_KEY_CANNOT_ROTATE))
                .expectNoEvents();
    }

    @Test
    void asymmetricKeyCannotBeGivenARotationSchedule() {
        fixture.given(asymmetricKey())
                .when(enableRotation())
                .expectException(refusedWith(KmsError.KEY_USAGE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    @Test
    void enablingRotationAgainReplacesTheSchedule() {
        Instant later = ROTATION_ENABLED_AT.plus(Duration.ofDays(2));
        Duration longerPeriod = Duration.ofDays(LONGEST_ROTATE_DAYS);
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled())
                .when(new EnableKeyRotation(KEY_ID, OWNER, LONGEST_ROTATE_DAYS, longerPeriod, later))
                .expectEvents(new KeyRotationEnabled(KEY_ID, LONGEST_ROTATE_DAYS, longerPeriod, later.plus(longerPeriod)));
    }

    @Test
    void disablingRotationThatIsOnTurnsItOff() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled())
                .when(new DisableKeyRotation(KEY_ID, OWNER))
                .expectEvents(new KeyRotationDisabled(KEY_ID));
    }

    @Test
    void disablingRotationThatWasNeverOnChangesNothing() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .when(new DisableKeyRotation(KEY_ID, OWNER))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void disablingRotationTwiceChangesNothingTheSecondTime() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled(), new KeyRotationDisabled(KEY_ID))
                .when(new DisableKeyRotation(KEY_ID, OWNER))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    static Stream<Object> rotationCommandsOfAnotherAccount() {
        return Stream.of(
                new RotateKey(KEY_ID, ANOTHER_ACCOUNT, ROTATED_VERSION, ROTATED_AT),
                new EnableKeyRotation(KEY_ID, ANOTHER_ACCOUNT, ROTATE_DAYS, PERIOD, ROTATION_ENABLED_AT),
                new DisableKeyRotation(KEY_ID, ANOTHER_ACCOUNT));
    }

    @ParameterizedTest
    @MethodSource("rotationCommandsOfAnotherAccount")
    void anotherAccountsRotationCommandIsAnsweredAsIfTheKeyDidNotExist(Object command) {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled())
                .when(command)
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    // ---- RotateKeyOnSchedule (the saga's deadline) -------------------------------------------

    static Stream<Duration> deadlineLateness() {
        return Stream.of(Duration.ZERO, DEADLINE_LATENESS);
    }

    /** A late deadline keeps the cadence: the next turn is one period after the due time, not after now. */
    @ParameterizedTest
    @MethodSource("deadlineLateness")
    void dueTurnRotatesAnEnabledKeyAndSchedulesTheNextOnePeriodLater(Duration lateness) {
        Instant now = DUE.plus(lateness);
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled())
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, now))
                .expectSuccessfulHandlerExecution()
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        newPrimaryVersion(null, now),
                        event(new NextKeyRotationScheduled(KEY_ID, true, FOLLOWING_DUE)),
                        andNoMore())));
    }

    @Test
    void scheduledVersionsMaterialIsWrappedForTheVersionItNames() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled())
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, DUE))
                .expectSuccessfulHandlerExecution();

        KeyVersionCreated rotated = versionsRecorded().stream()
                .filter(version -> !version.versionId().equals(FIRST_VERSION))
                .findFirst().orElseThrow();
        assertThat(roundTrip(rotated.versionId(), rotated.material())).isEqualTo(PLAINTEXT);
    }

    @Test
    void secondTurnRotatesAgainAndKeepsTheCadence() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled(), new NextKeyRotationScheduled(KEY_ID, true, FOLLOWING_DUE))
                .when(new RotateKeyOnSchedule(KEY_ID, FOLLOWING_DUE, FOLLOWING_DUE))
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        newPrimaryVersion(null, FOLLOWING_DUE),
                        event(new NextKeyRotationScheduled(KEY_ID, true, FOLLOWING_DUE.plus(PERIOD))),
                        andNoMore())));
    }

    @Test
    void disabledKeySkipsItsTurnButKeepsItsSchedule() {
        fixture.given(kmsKeyIn(KeyState.Disabled))
                .andGiven(rotationEnabled())
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, DUE))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new NextKeyRotationScheduled(KEY_ID, false, FOLLOWING_DUE));
    }

    @Test
    void keyPendingDeletionSkipsItsTurnButKeepsItsSchedule() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled(), new KeyDeletionScheduled(KEY_ID, PENDING_WINDOW_DAYS, DELETION_DATE))
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, DUE))
                .expectSuccessfulHandlerExecution()
                .expectEvents(new NextKeyRotationScheduled(KEY_ID, false, FOLLOWING_DUE));
    }

    @Test
    void deadlineOfATurnAlreadyTakenChangesNothing() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled(), new NextKeyRotationScheduled(KEY_ID, true, FOLLOWING_DUE))
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, DUE.plus(DEADLINE_LATENESS)))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void deadlineOfAScheduleSinceReplacedChangesNothing() {
        Instant replacedAt = ROTATION_ENABLED_AT.plus(Duration.ofDays(2));
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled(),
                        new KeyRotationEnabled(KEY_ID, ROTATE_DAYS, PERIOD, replacedAt.plus(PERIOD)))
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, DUE))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void deadlineThatFiresEarlyChangesNothing() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled())
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, DUE.minusSeconds(1)))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void deadlineAfterRotationWasDisabledChangesNothing() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled(), new KeyRotationDisabled(KEY_ID))
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, DUE))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void deadlineOfADeletedKeyChangesNothingAndIsNotAnError() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled(),
                        new KeyDeletionScheduled(KEY_ID, PENDING_WINDOW_DAYS, DELETION_DATE),
                        new KeyDeleted(KEY_ID, DELETION_DATE))
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, DUE))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    /** A server down for several periods rotates once when it is back, and the next turn is a period away. */
    @Test
    void turnsMissedWhileTheServerWasDownAreNotMadeUp() {
        Instant backAfterSeveralPeriods = DUE.plus(PERIOD.multipliedBy(3)).plus(Duration.ofDays(5));
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled())
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, backAfterSeveralPeriods))
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        newPrimaryVersion(null, backAfterSeveralPeriods),
                        event(new NextKeyRotationScheduled(KEY_ID, true, backAfterSeveralPeriods.plus(PERIOD))),
                        andNoMore())));
    }

    /** Exactly one period late, the following due time is now: it must not fire straight away. */
    @Test
    void turnExactlyOnePeriodLateSchedulesTheNextOnePeriodFromNow() {
        fixture.given(kmsKeyIn(KeyState.Enabled))
                .andGiven(rotationEnabled())
                .when(new RotateKeyOnSchedule(KEY_ID, DUE, FOLLOWING_DUE))
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        newPrimaryVersion(null, FOLLOWING_DUE),
                        event(new NextKeyRotationScheduled(KEY_ID, true, FOLLOWING_DUE.plus(PERIOD))),
                        andNoMore())));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static RotateKey rotateKey(AccountId caller) {
        return new RotateKey(KEY_ID, caller, ROTATED_VERSION, ROTATED_AT);
    }

    private static EnableKeyRotation enableRotation() {
        return new EnableKeyRotation(KEY_ID, OWNER, ROTATE_DAYS, PERIOD, ROTATION_ENABLED_AT);
    }

    private static KeyRotationEnabled rotationEnabled() {
        return new KeyRotationEnabled(KEY_ID, ROTATE_DAYS, PERIOD, DUE);
    }

    /** The events that leave a key the KMS made in {@code state}. */
    private Object[] kmsKeyIn(KeyState state) {
        KeyCreated created = keyCreated(Origin.TENCENT_KMS, KeyUsage.ENCRYPT_DECRYPT, KeyState.Enabled);
        KeyVersionCreated firstVersion = new KeyVersionCreated(KEY_ID, FIRST_VERSION, firstMaterial, true, CREATED_AT);
        return switch (state) {
            case Enabled -> new Object[] {created, firstVersion};
            case Disabled -> new Object[] {created, firstVersion, new KeyDisabled(KEY_ID)};
            case PendingDelete -> new Object[] {created, firstVersion,
                    new KeyDeletionScheduled(KEY_ID, PENDING_WINDOW_DAYS, DELETION_DATE)};
            case PendingImport -> throw new IllegalArgumentException("only EXTERNAL keys wait for their material");
        };
    }

    /** The events that leave an EXTERNAL key in {@code state}: waiting for its material, or holding it. */
    private Object[] externalKeyIn(KeyState state) {
        KeyCreated created = keyCreated(Origin.EXTERNAL, KeyUsage.ENCRYPT_DECRYPT, KeyState.PendingImport);
        return switch (state) {
            case PendingImport -> new Object[] {created};
            case Enabled -> new Object[] {created, new KeyMaterialImported(KEY_ID, FIRST_VERSION, firstMaterial,
                    new MaterialFingerprint(new byte[] {7, 7, 7}), null, CREATED_AT)};
            default -> throw new IllegalArgumentException("not needed here: " + state);
        };
    }

    private static Object[] asymmetricKey() {
        return new Object[] {keyCreated(Origin.TENCENT_KMS, KeyUsage.ASYMMETRIC_SIGN_VERIFY_RSA_2048, KeyState.Enabled)};
    }

    private static KeyCreated keyCreated(Origin origin, KeyUsage usage, KeyState initialState) {
        return new KeyCreated(KEY_ID, OWNER, KeySpec.AES_256, usage, origin, ProtectionLevel.SOFTWARE, DESCRIPTION,
                initialState, CREATED_AT);
    }

    private byte[] roundTrip(KeyVersionId versionId, WrappedKeyMaterial material) {
        byte[] ciphertext = keyHierarchy.encrypt(OWNER, KEY_ID, versionId, material, KeySpec.AES_256, PLAINTEXT,
                NO_CONTEXT);
        return keyHierarchy.decrypt(OWNER, material, CiphertextBlob.parse(ciphertext), NO_CONTEXT);
    }

    private List<KeyVersionCreated> versionsRecorded() {
        return fixture.getEventStore().readEvents(KEY_ID.value()).asStream().map(Message::getPayload)
                .filter(KeyVersionCreated.class::isInstance).map(KeyVersionCreated.class::cast)
                .toList();
    }

    private KeyVersionCreated recordedVersion(KeyVersionId versionId) {
        return versionsRecorded().stream().filter(version -> version.versionId().equals(versionId))
                .findFirst().orElseThrow();
    }

    private static Matcher<Object> event(Object expected) {
        return Matchers.equalTo(expected);
    }

    /**
     * A new primary version of the key, made at {@code createdAt}, with wrapped material.
     *
     * @param versionId the version it must name, or null for a fresh random one (a scheduled turn)
     */
    private static Matcher<Object> newPrimaryVersion(KeyVersionId versionId, Instant createdAt) {
        return matches(payload -> payload instanceof KeyVersionCreated version
                && version.keyId().equals(KEY_ID)
                && (versionId == null ? !version.versionId().equals(FIRST_VERSION) : version.versionId().equals(versionId))
                && version.primary()
                && version.createdAt().equals(createdAt)
                && version.material().bytes().length > KeySpec.AES_256.materialLength());
    }
}
