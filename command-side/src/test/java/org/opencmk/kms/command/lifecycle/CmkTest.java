package org.opencmk.kms.command.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.axonframework.test.matchers.Matchers.andNoMore;
import static org.axonframework.test.matchers.Matchers.exactSequenceOf;
import static org.axonframework.test.matchers.Matchers.matches;
import static org.axonframework.test.matchers.Matchers.payloadsMatching;
import static org.hamcrest.Matchers.containsString;
import static org.opencmk.kms.command.Refusals.refusedWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
import org.opencmk.kms.command.SecondAggregateStore;
import org.opencmk.kms.command.alias.AliasRegistry;
import org.opencmk.kms.crypto.CiphertextBlob;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.hierarchy.InMemoryKekRepository;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.SoftwareKeystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasCreated;
import org.opencmk.kms.events.AliasDeleted;
import org.opencmk.kms.events.AliasRenamed;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionCancelled;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyDescriptionUpdated;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyEnabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * The CMK lifecycle (SPEC "Lifecycle rules"; CTyun guide 3.2.7): the aggregate with the handlers
 * that create and delete a key together with its alias registry and key-encryption key. The
 * registries live in a {@link SecondAggregateStore}, whose events the fixture records after the
 * CMK's own.
 */
class CmkTest {

    private static final AccountId OWNER = new AccountId(100_000_001L);
    private static final AccountId ANOTHER_ACCOUNT = new AccountId(100_000_002L);
    private static final String OWNER_REGISTRY = OWNER.toString();
    private static final String ANOTHER_ACCOUNTS_REGISTRY = ANOTHER_ACCOUNT.toString();

    /** The key that exists before the command under test. */
    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyVersionId FIRST_VERSION = new KeyVersionId("6a1e2f3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b");
    /** The key a CreateKey under test creates. */
    private static final KeyId NEW_KEY_ID = new KeyId("9d2e4f60-1b3c-4d5e-8f70-a1b2c3d4e5f6");
    private static final KeyId OTHER_KEY_OF_OWNER = new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
    private static final KeyId NEVER_CREATED_KEY_ID = new KeyId("77777777-7777-4777-8777-777777777777");

    private static final AliasName PAYROLL = new AliasName("payroll");
    private static final AliasName HR = new AliasName("hr");
    private static final AliasName ARCHIVE = new AliasName("archive");
    private static final String DESCRIPTION = "payroll database";

    private static final Instant NOW = Instant.parse("2025-03-01T08:00:00Z");
    private static final int SHORTEST_WINDOW_DAYS = 7;
    private static final int LONGEST_WINDOW_DAYS = 30;
    private static final Instant DELETION_DATE = NOW.plus(Duration.ofDays(SHORTEST_WINDOW_DAYS));

    private static final byte[] PLAINTEXT = "salary table".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NO_CONTEXT = new byte[0];

    private AggregateTestFixture<Cmk> fixture;
    private SecondAggregateStore<AliasRegistry> aliasRegistries;
    private SoftwareKeystore keystore;
    private InMemoryKekRepository keyEncryptionKeys;
    private KeyHierarchy keyHierarchy;
    private InMemoryAsymmetricVersionQuota quota;
    /** The existing key's first version, wrapped under its real key-encryption key. */
    private WrappedKeyMaterial existingMaterial;

    @BeforeEach
    void setUp() {
        keystore = new SoftwareKeystore(SecretBytes.takeOwnership(RandomSource.randomBytes(SoftwareKeystore.ROOT_KEY_LENGTH)));
        keyEncryptionKeys = new InMemoryKekRepository();
        keyHierarchy = new KeyHierarchy(keystore, keyEncryptionKeys, 100, Duration.ofMinutes(1));
        keyHierarchy.createKeyEncryptionKey(OWNER, KEY_ID);
        existingMaterial = keyHierarchy.generateMaterial(OWNER, KEY_ID, FIRST_VERSION, KeySpec.AES_256);

        fixture = new AggregateTestFixture<>(Cmk.class);
        aliasRegistries = new SecondAggregateStore<>(AliasRegistry.class, fixture.getEventBus());
        quota = new InMemoryAsymmetricVersionQuota(AsymmetricVersionQuota.DEFAULT_LIMIT);
        fixture.registerAnnotatedCommandHandler(
                new KeyCreationHandler(fixture.getRepository(), aliasRegistries.repository(), keyHierarchy, quota));
        fixture.registerAnnotatedCommandHandler(
                new KeyDeletionHandler(fixture.getRepository(), aliasRegistries.repository(), keyHierarchy, quota));
        fixture.registerCommandHandlerInterceptor(new KeyNotFoundTranslation());
    }

    @AfterEach
    void tearDown() {
        aliasRegistries.close();
        keyHierarchy.close();
        keystore.close();
    }

    // ---- CreateKey ----------------------------------------------------------------------------

    @Test
    void kmsOriginKeyIsCreatedEnabledWithAPrimaryVersion() {
        fixture.givenNoPriorActivity()
                .when(createKey(Origin.TENCENT_KMS, KeyUsage.ENCRYPT_DECRYPT, null))
                .expectSuccessfulHandlerExecution()
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        event(newKeyCreated(Origin.TENCENT_KMS, KeyState.Enabled)),
                        primaryVersionOf(NEW_KEY_ID),
                        andNoMore())));
    }

    @Test
    void kmsOriginKeyMaterialIsWrappedUnderTheNewKeysOwnKeyEncryptionKey() {
        fixture.givenNoPriorActivity()
                .when(createKey(Origin.TENCENT_KMS, KeyUsage.ENCRYPT_DECRYPT, null))
                .expectSuccessfulHandlerExecution();

        KeyVersionCreated firstVersion = eventsOf(NEW_KEY_ID)
                .filter(KeyVersionCreated.class::isInstance).map(KeyVersionCreated.class::cast)
                .findFirst().orElseThrow();
        byte[] ciphertext = keyHierarchy.encrypt(OWNER, NEW_KEY_ID, firstVersion.versionId(), firstVersion.material(),
                KeySpec.AES_256, PLAINTEXT, NO_CONTEXT);
        assertThat(keyHierarchy.decrypt(OWNER, firstVersion.material(), CiphertextBlob.parse(ciphertext), NO_CONTEXT))
                .isEqualTo(PLAINTEXT);
    }

    @Test
    void externalKeyIsCreatedPendingImportWithoutMaterial() {
        fixture.givenNoPriorActivity()
                .when(createKey(Origin.EXTERNAL, KeyUsage.ENCRYPT_DECRYPT, null))
                .expectSuccessfulHandlerExecution()
                .expectEvents(newKeyCreated(Origin.EXTERNAL, KeyState.PendingImport));

        // the import will wrap the material under it (seed 000, step 4)
        assertThat(keyEncryptionKeys.find(NEW_KEY_ID)).isPresent();
    }

    @Test
    void keyCreatedWithAnAliasIsNamedByItInTheSameUnitOfWork() {
        fixture.givenNoPriorActivity()
                .when(createKey(Origin.TENCENT_KMS, KeyUsage.ENCRYPT_DECRYPT, PAYROLL))
                .expectSuccessfulHandlerExecution()
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        event(newKeyCreated(Origin.TENCENT_KMS, KeyState.Enabled)),
                        primaryVersionOf(NEW_KEY_ID),
                        event(new AliasCreated(OWNER, PAYROLL, NEW_KEY_ID)),
                        andNoMore())));

        assertThat(aliasRegistries.events(OWNER_REGISTRY)).containsExactly(new AliasCreated(OWNER, PAYROLL, NEW_KEY_ID));
    }

    @Test
    void keyWhoseAliasIsTakenInTheAccountIsRefusedAndLeavesNothingBehind() {
        aliasRegistries.given(OWNER_REGISTRY, new AliasCreated(OWNER, PAYROLL, KEY_ID));

        fixture.givenNoPriorActivity()
                .when(createKey(Origin.TENCENT_KMS, KeyUsage.ENCRYPT_DECRYPT, PAYROLL))
                .expectException(refusedWith(KmsError.ALIAS_ALREADY_EXISTS))
                .expectNoEvents();

        assertThat(keyEncryptionKeys.find(NEW_KEY_ID)).isEmpty();
        assertThat(aliasRegistries.events(OWNER_REGISTRY)).containsExactly(new AliasCreated(OWNER, PAYROLL, KEY_ID));
    }

    @Test
    void aliasTakenInAnotherAccountDoesNotRefuseTheKey() {
        aliasRegistries.given(ANOTHER_ACCOUNTS_REGISTRY, new AliasCreated(ANOTHER_ACCOUNT, PAYROLL, KEY_ID));

        fixture.givenNoPriorActivity()
                .when(createKey(Origin.EXTERNAL, KeyUsage.ENCRYPT_DECRYPT, PAYROLL))
                .expectSuccessfulHandlerExecution()
                .expectEvents(newKeyCreated(Origin.EXTERNAL, KeyState.PendingImport),
                        new AliasCreated(OWNER, PAYROLL, NEW_KEY_ID));
    }

    @ParameterizedTest
    @EnumSource(value = KeyUsage.class, names = "ENCRYPT_DECRYPT", mode = EnumSource.Mode.EXCLUDE)
    void asymmetricKeyIsCreatedEnabledWithAKeyPairAndNoPrimaryVersion(KeyUsage asymmetric) {
        fixture.givenNoPriorActivity()
                .when(new CreateKey(NEW_KEY_ID, OWNER, asymmetric.keyPairSpec(), asymmetric, Origin.TENCENT_KMS,
                        ProtectionLevel.SOFTWARE, DESCRIPTION, null, NOW))
                .expectSuccessfulHandlerExecution()
                .expectEventsMatching(payloadsMatching(exactSequenceOf(
                        matches(payload -> payload instanceof KeyCreated created
                                && created.keyUsage() == asymmetric
                                && created.keySpec() == asymmetric.keyPairSpec()
                                && created.initialState() == KeyState.Enabled),
                        matches(payload -> payload instanceof KeyVersionCreated version
                                && version.keyId().equals(NEW_KEY_ID)
                                && !version.primary()
                                && version.publicKey() != null),
                        andNoMore())));

        assertThat(quota.reservations()).singleElement()
                .satisfies(r -> assertThat(r.keyId()).isEqualTo(NEW_KEY_ID));
    }

    @Test
    void asymmetricKeyOfExternalOriginOrOfAnotherSpecIsRefusedAndChangesNothing() {
        fixture.givenNoPriorActivity()
                .when(new CreateKey(NEW_KEY_ID, OWNER, KeySpec.SM2, KeyUsage.ASYMMETRIC_SIGN_VERIFY_SM2,
                        Origin.EXTERNAL, ProtectionLevel.SOFTWARE, DESCRIPTION, null, NOW))
                .expectException(refusedWith(KmsError.UNSUPPORTED_OPERATION))
                .expectNoEvents();
        fixture.givenNoPriorActivity()
                .when(new CreateKey(NEW_KEY_ID, OWNER, KeySpec.RSA_2048, KeyUsage.ASYMMETRIC_SIGN_VERIFY_SM2,
                        Origin.TENCENT_KMS, ProtectionLevel.SOFTWARE, DESCRIPTION, null, NOW))
                .expectException(refusedWith(KmsError.INVALID_KEY_SPEC))
                .expectNoEvents();
        fixture.givenNoPriorActivity()
                .when(new CreateKey(NEW_KEY_ID, OWNER, KeySpec.ECC_P256, KeyUsage.ENCRYPT_DECRYPT,
                        Origin.TENCENT_KMS, ProtectionLevel.SOFTWARE, DESCRIPTION, null, NOW))
                .expectException(refusedWith(KmsError.INVALID_KEY_SPEC))
                .expectNoEvents();

        assertThat(keyEncryptionKeys.find(NEW_KEY_ID)).isEmpty();
        assertThat(quota.reservations()).isEmpty();
    }

    @Test
    void anHsmKeyOnAServerWithoutAnHsmIsRefusedAndLeavesNothingBehind() {
        fixture.givenNoPriorActivity()
                .when(new CreateKey(NEW_KEY_ID, OWNER, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT,
                        Origin.TENCENT_KMS, ProtectionLevel.HSM, DESCRIPTION, null, NOW))
                .expectException(refusedWith(KmsError.HSM_NOT_CONFIGURED))
                .expectNoEvents();

        assertThat(keyEncryptionKeys.find(NEW_KEY_ID)).isEmpty();
    }

    // ---- EnableKey, DisableKey, UpdateKeyDescription -----------------------------------------

    @Test
    void disablingAnEnabledKeyDisablesIt() {
        fixture.given(historyIn(KeyState.Enabled))
                .when(new DisableKey(KEY_ID, OWNER))
                .expectEvents(new KeyDisabled(KEY_ID));
    }

    @Test
    void enablingADisabledKeyEnablesIt() {
        fixture.given(historyIn(KeyState.Disabled))
                .when(new EnableKey(KEY_ID, OWNER))
                .expectEvents(new KeyEnabled(KEY_ID));
    }

    @Test
    void enablingAnEnabledKeyChangesNothing() {
        fixture.given(historyIn(KeyState.Enabled))
                .when(new EnableKey(KEY_ID, OWNER))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void disablingADisabledKeyChangesNothing() {
        fixture.given(historyIn(KeyState.Disabled))
                .when(new DisableKey(KEY_ID, OWNER))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @ParameterizedTest
    @EnumSource(value = KeyState.class, names = {"PendingDelete", "PendingImport"})
    void enablingAKeyPendingDeletionOrImportIsRefused(KeyState state) {
        fixture.given(historyIn(state))
                .when(new EnableKey(KEY_ID, OWNER))
                .expectException(refusedWith(KmsError.KEY_STATE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    @ParameterizedTest
    @EnumSource(value = KeyState.class, names = {"PendingDelete", "PendingImport"})
    void disablingAKeyPendingDeletionOrImportIsRefused(KeyState state) {
        fixture.given(historyIn(state))
                .when(new DisableKey(KEY_ID, OWNER))
                .expectException(refusedWith(KmsError.KEY_STATE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    @Test
    void updatingTheDescriptionRecordsTheNewOne() {
        fixture.given(historyIn(KeyState.Enabled))
                .when(new UpdateKeyDescription(KEY_ID, OWNER, "payroll archive"))
                .expectEvents(new KeyDescriptionUpdated(KEY_ID, "payroll archive"));
    }

    static Stream<Object> commandsOfAnotherAccount() {
        return Stream.of(
                new EnableKey(KEY_ID, ANOTHER_ACCOUNT),
                new DisableKey(KEY_ID, ANOTHER_ACCOUNT),
                new UpdateKeyDescription(KEY_ID, ANOTHER_ACCOUNT, "mine now"),
                new ScheduleKeyDeletion(KEY_ID, ANOTHER_ACCOUNT, SHORTEST_WINDOW_DAYS, DELETION_DATE),
                new CancelKeyDeletion(KEY_ID, ANOTHER_ACCOUNT));
    }

    @ParameterizedTest
    @MethodSource("commandsOfAnotherAccount")
    void anotherAccountsCommandIsAnsweredAsIfTheKeyDidNotExist(Object command) {
        fixture.given(historyIn(KeyState.Enabled))
                .when(command)
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    // ---- ScheduleKeyDeletion, CancelKeyDeletion ----------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {SHORTEST_WINDOW_DAYS - 1, LONGEST_WINDOW_DAYS + 1, 0})
    void pendingWindowOutsideSevenToThirtyDaysIsRefused(int days) {
        fixture.given(historyIn(KeyState.Enabled))
                .when(new ScheduleKeyDeletion(KEY_ID, OWNER, days, NOW.plus(Duration.ofDays(days))))
                .expectException(refusedWith(KmsError.INVALID_PENDING_WINDOW))
                .expectNoEvents();
    }

    @ParameterizedTest
    @ValueSource(ints = {SHORTEST_WINDOW_DAYS, LONGEST_WINDOW_DAYS})
    void pendingWindowOfSevenOrThirtyDaysSchedulesTheDeletion(int days) {
        Instant deletionDate = NOW.plus(Duration.ofDays(days));
        fixture.given(historyIn(KeyState.Enabled))
                .when(new ScheduleKeyDeletion(KEY_ID, OWNER, days, deletionDate))
                .expectEvents(new KeyDeletionScheduled(KEY_ID, days, deletionDate));
    }

    @ParameterizedTest
    @EnumSource(value = KeyState.class, names = {"Enabled", "Disabled", "PendingImport"})
    void deletionCanBeScheduledForAnyLiveKey(KeyState state) {
        fixture.given(historyIn(state))
                .when(scheduleDeletion())
                .expectEvents(new KeyDeletionScheduled(KEY_ID, SHORTEST_WINDOW_DAYS, DELETION_DATE));
    }

    @Test
    void schedulingTheDeletionTwiceIsRefused() {
        fixture.given(historyIn(KeyState.PendingDelete))
                .when(scheduleDeletion())
                .expectException(refusedWith(KmsError.KEY_STATE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    @ParameterizedTest
    @EnumSource(value = KeyState.class, names = {"Enabled", "Disabled", "PendingImport"})
    void cancellingTheDeletionRestoresTheStateBeforeIt(KeyState stateBefore) {
        fixture.given(historyIn(stateBefore))
                .andGiven(new KeyDeletionScheduled(KEY_ID, SHORTEST_WINDOW_DAYS, DELETION_DATE))
                .when(new CancelKeyDeletion(KEY_ID, OWNER))
                .expectEvents(new KeyDeletionCancelled(KEY_ID, stateBefore));
    }

    @Test
    void keyRestoredToDisabledCanBeEnabledAgain() {
        fixture.given(historyIn(KeyState.Disabled))
                .andGiven(new KeyDeletionScheduled(KEY_ID, SHORTEST_WINDOW_DAYS, DELETION_DATE),
                        new KeyDeletionCancelled(KEY_ID, KeyState.Disabled))
                .when(new EnableKey(KEY_ID, OWNER))
                .expectEvents(new KeyEnabled(KEY_ID));
    }

    @ParameterizedTest
    @EnumSource(value = KeyState.class, names = {"Enabled", "Disabled", "PendingImport"})
    void cancellingWhenNoDeletionIsPendingIsRefused(KeyState state) {
        fixture.given(historyIn(state))
                .when(new CancelKeyDeletion(KEY_ID, OWNER))
                .expectException(refusedWith(KmsError.KEY_NOT_PENDING_DELETE))
                .expectNoEvents();
    }

    @Test
    void cancellingTwiceIsRefused() {
        fixture.given(historyIn(KeyState.PendingDelete))
                .andGiven(new KeyDeletionCancelled(KEY_ID, KeyState.Enabled))
                .when(new CancelKeyDeletion(KEY_ID, OWNER))
                .expectException(refusedWith(KmsError.KEY_NOT_PENDING_DELETE))
                .expectNoEvents();
    }

    // ---- DeleteKey (the end of the pending window) -------------------------------------------

    @Test
    void endOfThePendingWindowDeletesTheKeyAndEveryAliasOfIt() {
        aliasRegistries.given(OWNER_REGISTRY,
                new AliasCreated(OWNER, PAYROLL, KEY_ID),
                new AliasCreated(OWNER, ARCHIVE, OTHER_KEY_OF_OWNER),
                new AliasCreated(OWNER, HR, KEY_ID));

        fixture.given(historyIn(KeyState.PendingDelete))
                .when(new DeleteKey(KEY_ID, DELETION_DATE, DELETION_DATE))
                .expectSuccessfulHandlerExecution()
                // the registry deletes in alias order
                .expectEvents(new KeyDeleted(KEY_ID, DELETION_DATE),
                        new AliasDeleted(OWNER, HR, KEY_ID, true),
                        new AliasDeleted(OWNER, PAYROLL, KEY_ID, true))
                .expectMarkedDeleted();

        assertThat(aliasRegistries.events(OWNER_REGISTRY)).endsWith(
                new AliasDeleted(OWNER, HR, KEY_ID, true),
                new AliasDeleted(OWNER, PAYROLL, KEY_ID, true));
    }

    @Test
    void endOfThePendingWindowDeletesARenamedAliasByItsNewNameOnly() {
        aliasRegistries.given(OWNER_REGISTRY,
                new AliasCreated(OWNER, HR, KEY_ID),
                new AliasRenamed(OWNER, HR, PAYROLL, KEY_ID));

        fixture.given(historyIn(KeyState.PendingDelete))
                .when(new DeleteKey(KEY_ID, DELETION_DATE, DELETION_DATE))
                .expectEvents(new KeyDeleted(KEY_ID, DELETION_DATE), new AliasDeleted(OWNER, PAYROLL, KEY_ID, true));
    }

    @Test
    void endOfThePendingWindowDeletesAKeyWithoutAliases() {
        fixture.given(historyIn(KeyState.PendingDelete))
                .when(new DeleteKey(KEY_ID, DELETION_DATE, DELETION_DATE))
                .expectEvents(new KeyDeleted(KEY_ID, DELETION_DATE))
                .expectMarkedDeleted();
    }

    @Test
    void deletedKeysMaterialCanNeverBeUsedAgain() {
        fixture.given(historyIn(KeyState.PendingDelete))
                .when(new DeleteKey(KEY_ID, DELETION_DATE, DELETION_DATE))
                .expectSuccessfulHandlerExecution();

        assertThat(keyEncryptionKeys.find(KEY_ID)).isEmpty();
        assertThatThrownBy(() -> keyHierarchy.encrypt(OWNER, KEY_ID, FIRST_VERSION, existingMaterial, KeySpec.AES_256,
                PLAINTEXT, NO_CONTEXT))
                .isInstanceOf(KeyMaterialUnavailableException.class);
    }

    @Test
    void endOfAPendingWindowThatWasCancelledChangesNothing() {
        fixture.given(historyIn(KeyState.PendingDelete))
                .andGiven(new KeyDeletionCancelled(KEY_ID, KeyState.Enabled))
                .when(new DeleteKey(KEY_ID, DELETION_DATE, DELETION_DATE))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents()
                .expectNotMarkedDeleted();

        assertThat(keyEncryptionKeys.find(KEY_ID)).isPresent();
    }

    @Test
    void aDeadlineOfACancelledScheduleCannotDeleteAKeyScheduledAgainForLater() {
        Instant later = DELETION_DATE.plus(Duration.ofDays(LONGEST_WINDOW_DAYS));
        fixture.given(historyIn(KeyState.PendingDelete))
                .andGiven(new KeyDeletionCancelled(KEY_ID, KeyState.Enabled),
                        new KeyDeletionScheduled(KEY_ID, LONGEST_WINDOW_DAYS, later))
                .when(new DeleteKey(KEY_ID, DELETION_DATE, DELETION_DATE))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents()
                .expectNotMarkedDeleted();

        assertThat(keyEncryptionKeys.find(KEY_ID)).isPresent();
    }

    @Test
    void aDeadlineThatFiresEarlyDeletesNothing() {
        fixture.given(historyIn(KeyState.PendingDelete))
                .when(new DeleteKey(KEY_ID, DELETION_DATE, DELETION_DATE.minusSeconds(1)))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void deleteKeyDeliveredTwiceFindsTheWorkDone() {
        fixture.given(historyIn(KeyState.PendingDelete))
                .andGiven(new KeyDeleted(KEY_ID, DELETION_DATE))
                .when(new DeleteKey(KEY_ID, DELETION_DATE, DELETION_DATE))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    static Stream<Object> commandsOfTheOwner() {
        return Stream.of(
                new EnableKey(KEY_ID, OWNER),
                new DisableKey(KEY_ID, OWNER),
                new UpdateKeyDescription(KEY_ID, OWNER, "back again"),
                new ScheduleKeyDeletion(KEY_ID, OWNER, SHORTEST_WINDOW_DAYS, DELETION_DATE),
                new CancelKeyDeletion(KEY_ID, OWNER));
    }

    @ParameterizedTest
    @MethodSource("commandsOfTheOwner")
    void commandToADeletedKeyIsAnsweredAsIfTheKeyNeverExisted(Object command) {
        fixture.given(historyIn(KeyState.PendingDelete))
                .andGiven(new KeyDeleted(KEY_ID, DELETION_DATE))
                .when(command)
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void commandToAKeyThatNeverExistedIsAnsweredKeyNotFound() {
        fixture.givenNoPriorActivity()
                .when(new EnableKey(NEVER_CREATED_KEY_ID, OWNER))
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectExceptionMessage(containsString(NEVER_CREATED_KEY_ID.value()))
                .expectNoEvents();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static CreateKey createKey(Origin origin, KeyUsage usage, AliasName alias) {
        return new CreateKey(NEW_KEY_ID, OWNER, KeySpec.AES_256, usage, origin, ProtectionLevel.SOFTWARE,
                DESCRIPTION, alias, NOW);
    }

    private static KeyCreated newKeyCreated(Origin origin, KeyState initialState) {
        return new KeyCreated(NEW_KEY_ID, OWNER, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, origin,
                ProtectionLevel.SOFTWARE, DESCRIPTION, initialState, NOW);
    }

    private static ScheduleKeyDeletion scheduleDeletion() {
        return new ScheduleKeyDeletion(KEY_ID, OWNER, SHORTEST_WINDOW_DAYS, DELETION_DATE);
    }

    /** The events that leave the existing key in {@code state}. */
    private Object[] historyIn(KeyState state) {
        KeyCreated kmsOrigin = new KeyCreated(KEY_ID, OWNER, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT,
                Origin.TENCENT_KMS, ProtectionLevel.SOFTWARE, DESCRIPTION, KeyState.Enabled, NOW);
        KeyVersionCreated firstVersion = new KeyVersionCreated(KEY_ID, FIRST_VERSION, existingMaterial, true, NOW);
        return switch (state) {
            case Enabled -> new Object[] {kmsOrigin, firstVersion};
            case Disabled -> new Object[] {kmsOrigin, firstVersion, new KeyDisabled(KEY_ID)};
            case PendingDelete -> new Object[] {kmsOrigin, firstVersion,
                    new KeyDeletionScheduled(KEY_ID, SHORTEST_WINDOW_DAYS, DELETION_DATE)};
            case PendingImport -> new Object[] {new KeyCreated(KEY_ID, OWNER, KeySpec.AES_256,
                    KeyUsage.ENCRYPT_DECRYPT, Origin.EXTERNAL, ProtectionLevel.SOFTWARE, DESCRIPTION,
                    KeyState.PendingImport, NOW)};
        };
    }

    private Stream<Object> eventsOf(KeyId keyId) {
        return fixture.getEventStore().readEvents(keyId.value()).asStream().map(Message::getPayload);
    }

    private static Matcher<Object> event(Object expected) {
        return Matchers.equalTo(expected);
    }

    /** The first version, made primary; its id and wrapped material are random. */
    private static Matcher<Object> primaryVersionOf(KeyId keyId) {
        return matches(payload -> payload instanceof KeyVersionCreated version
                && version.keyId().equals(keyId)
                && version.primary()
                && version.createdAt().equals(NOW)
                && version.material().bytes().length > KeySpec.AES_256.materialLength());
    }
}
