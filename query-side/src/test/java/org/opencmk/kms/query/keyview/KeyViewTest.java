package org.opencmk.kms.query.keyview;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.messaging.MetaData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasCreated;
import org.opencmk.kms.events.AliasDeleted;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.AliasRenamed;
import org.opencmk.kms.events.AliasUpdated;
import org.opencmk.kms.events.ImportedKeyMaterialDeleted;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionCancelled;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyDescriptionUpdated;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyEnabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyMaterialImported;
import org.opencmk.kms.events.KeyRotationDisabled;
import org.opencmk.kms.events.KeyRotationEnabled;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.MaterialFingerprint;
import org.opencmk.kms.events.NextKeyRotationScheduled;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * The key view: what each account sees, and its idempotence under the double feed (a subscribing
 * and a tracking processor deliver every local event twice, and another node's event may arrive
 * before one it follows).
 */
class KeyViewTest {

    private static final String CMK = "Cmk";
    private static final String ALIAS_REGISTRY = "AliasRegistry";

    private static final AccountId OWNER = new AccountId(100_000_001L);
    private static final AccountId ANOTHER_ACCOUNT = new AccountId(100_000_002L);

    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyId SECOND_KEY_ID = new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
    private static final KeyId THIRD_KEY_ID = new KeyId("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
    private static final KeyVersionId FIRST_VERSION = new KeyVersionId("6a1e2f3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b");
    private static final WrappedKeyMaterial FIRST_MATERIAL = new WrappedKeyMaterial(new byte[] {1, 2, 3, 4});
    private static final KeyVersionId SECOND_VERSION = new KeyVersionId("5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e");
    private static final WrappedKeyMaterial SECOND_MATERIAL = new WrappedKeyMaterial(new byte[] {5, 6, 7, 8});
    private static final KeyVersionId THIRD_VERSION = new KeyVersionId("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b");
    private static final WrappedKeyMaterial THIRD_MATERIAL = new WrappedKeyMaterial(new byte[] {9, 10, 11, 12});

    private static final AliasName PAYROLL = new AliasName("payroll");
    private static final AliasName ARCHIVE = new AliasName("archive");
    private static final AliasName ZETA = new AliasName("zeta");

    private static final Instant CREATED_AT = Instant.parse("2025-03-01T08:00:00Z");
    private static final Instant LATER = CREATED_AT.plus(Duration.ofHours(1));
    private static final Instant DELETION_DATE = CREATED_AT.plus(Duration.ofDays(7));

    /** An EXTERNAL key's one version, its material as first imported and as wrapped again on a re-import. */
    private static final KeyVersionId IMPORTED_VERSION = new KeyVersionId("5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e");
    private static final WrappedKeyMaterial IMPORTED_MATERIAL = new WrappedKeyMaterial(new byte[] {11, 12, 13, 14});
    private static final WrappedKeyMaterial SAME_MATERIAL_WRAPPED_AGAIN = new WrappedKeyMaterial(new byte[] {21, 22, 23, 24});
    private static final MaterialFingerprint FINGERPRINT = new MaterialFingerprint(new byte[] {7, 7, 7, 7});
    private static final Instant IMPORTED_AT = CREATED_AT.plus(Duration.ofMinutes(10));
    private static final Instant REIMPORTED_AT = IMPORTED_AT.plus(Duration.ofDays(1));
    private static final Instant VALID_TO = IMPORTED_AT.plus(Duration.ofDays(30));
    private static final Instant LATER_VALID_TO = VALID_TO.plus(Duration.ofDays(60));
    private static final Instant NEVER_EXPIRES = null;
    private static final boolean BY_DELETE_IMPORTED_KEY_MATERIAL = false;
    private static final boolean BY_EXPIRY = true;
    private static final int ROTATE_DAYS = 30;
    private static final Duration PERIOD = Duration.ofDays(ROTATE_DAYS);
    private static final Instant FIRST_TURN = LATER.plus(PERIOD);
    private static final Instant SECOND_TURN = FIRST_TURN.plus(PERIOD);
    private static final Instant ROTATED_ON_DEMAND_AT = LATER.plus(Duration.ofDays(3));

    /** An event a newer version of the command side may write, unknown to this view. */
    private record KeyTagged(KeyId keyId, String tag) {
    }

    private RecordingHistory history;
    private List<KeyId> removedMaterial;
    private List<KeyId> deletedKeys;
    private KeyView view;

    @BeforeEach
    void setUp() {
        history = new RecordingHistory();
        removedMaterial = new ArrayList<>();
        deletedKeys = new ArrayList<>();
        view = new KeyView(history, keyId -> { }, removedMaterial::add, deletedKeys::add);
    }

    // ---- who sees what -----------------------------------------------------------------------

    @Test
    void createdKeyIsFoundByItsOwner() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, new KeyVersionCreated(KEY_ID, FIRST_VERSION, FIRST_MATERIAL, true, CREATED_AT)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.account()).isEqualTo(OWNER);
        assertThat(key.state()).isEqualTo(KeyState.Enabled);
        assertThat(key.createdAt()).isEqualTo(CREATED_AT);
        assertThat(key.primary()).map(KeyVersion::material).contains(FIRST_MATERIAL);
        assertThat(key.sequence()).isEqualTo(1);
        assertThat(view.keysOf(OWNER)).containsExactly(key);
    }

    @Test
    void anotherAccountSeesNothingOfTheKey() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                aliasEvent(OWNER, 0, new AliasCreated(OWNER, PAYROLL, KEY_ID), CREATED_AT));

        assertThat(view.find(ANOTHER_ACCOUNT, KEY_ID)).isEmpty();
        assertThat(view.resolve(ANOTHER_ACCOUNT, KEY_ID.value())).isEmpty();
        assertThat(view.resolve(ANOTHER_ACCOUNT, PAYROLL.value())).isEmpty();
        assertThat(view.keysOf(ANOTHER_ACCOUNT)).isEmpty();
        assertThat(view.aliasesOf(ANOTHER_ACCOUNT)).isEmpty();
    }

    @Test
    void keyIsResolvedByItsIdInEitherLetterCase() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)));

        assertThat(view.resolve(OWNER, KEY_ID.value())).map(KeyRecord::keyId).contains(KEY_ID);
        assertThat(view.resolve(OWNER, KEY_ID.value().toUpperCase(Locale.ROOT))).map(KeyRecord::keyId).contains(KEY_ID);
    }

    @Test
    void keyIsResolvedByAliasWithOrWithoutTheAliasPrefix() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                aliasEvent(OWNER, 0, new AliasCreated(OWNER, PAYROLL, KEY_ID), CREATED_AT));

        assertThat(view.resolve(OWNER, "payroll")).map(KeyRecord::keyId).contains(KEY_ID);
        assertThat(view.resolve(OWNER, "alias/payroll")).map(KeyRecord::keyId).contains(KEY_ID);
        assertThat(view.resolve(OWNER, "archive")).isEmpty();
        assertThat(view.resolve(OWNER, "")).isEmpty();
        assertThat(view.resolve(OWNER, null)).isEmpty();
    }

    @Test
    void keysOfAnAccountAreListedOldestFirst() {
        apply(keyEvent(SECOND_KEY_ID, 0, created(SECOND_KEY_ID, OWNER, LATER)),
                keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(THIRD_KEY_ID, 0, created(THIRD_KEY_ID, ANOTHER_ACCOUNT, CREATED_AT)));

        assertThat(view.keysOf(OWNER)).extracting(KeyRecord::keyId).containsExactly(KEY_ID, SECOND_KEY_ID);
    }

    // ---- lifecycle ---------------------------------------------------------------------------

    @Test
    void keyFollowsItsLifecycleEvents() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, new KeyDisabled(KEY_ID)),
                keyEvent(KEY_ID, 2, new KeyDescriptionUpdated(KEY_ID, "archive")),
                keyEvent(KEY_ID, 3, new KeyDeletionScheduled(KEY_ID, 7, DELETION_DATE)));

        KeyRecord pending = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(pending.state()).isEqualTo(KeyState.PendingDelete);
        assertThat(pending.deletionDate()).isEqualTo(DELETION_DATE);
        assertThat(pending.description()).isEqualTo("archive");

        apply(keyEvent(KEY_ID, 4, new KeyDeletionCancelled(KEY_ID, KeyState.Disabled)));

        KeyRecord restored = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(restored.state()).isEqualTo(KeyState.Disabled);
        assertThat(restored.deletionDate()).isNull();
    }

    @Test
    void deletedKeyLeavesTheViewAndIsReportedOnce() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, new KeyVersionCreated(KEY_ID, FIRST_VERSION, FIRST_MATERIAL, true, CREATED_AT)),
                keyEvent(KEY_ID, 2, new KeyDeletionScheduled(KEY_ID, 7, DELETION_DATE)),
                keyEvent(KEY_ID, 3, new KeyDeleted(KEY_ID, DELETION_DATE)));
        apply(keyEvent(KEY_ID, 3, new KeyDeleted(KEY_ID, DELETION_DATE))); // the other feed

        assertThat(view.find(OWNER, KEY_ID)).isEmpty();
        assertThat(view.resolve(OWNER, KEY_ID.value())).isEmpty();
        assertThat(view.keysOf(OWNER)).isEmpty();
        assertThat(deletedKeys).containsExactly(KEY_ID);
    }

    @Test
    void eventOfAKindThisViewDoesNotKnowOnlyAdvancesTheSequence() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)));
        KeyRecord before = view.find(OWNER, KEY_ID).orElseThrow();

        apply(keyEvent(KEY_ID, 1, new KeyTagged(KEY_ID, "finance")));

        assertThat(view.find(OWNER, KEY_ID)).contains(before.withSequence(1));

        apply(keyEvent(KEY_ID, 2, new KeyDisabled(KEY_ID)));

        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::state).contains(KeyState.Disabled);
        assertThat(history.reads).isEmpty();
    }

    // ---- imported material (EXTERNAL keys) ---------------------------------------------------

    @Test
    void externalKeyWaitsForItsMaterialWithoutAVersion() {
        apply(keyEvent(KEY_ID, 0, createdExternal()));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.state()).isEqualTo(KeyState.PendingImport);
        assertThat(key.versions()).isEmpty();
        assertThat(key.primary()).isEmpty();
        assertThat(key.validTo()).isNull();
    }

    @Test
    void importedMaterialBecomesTheOnePrimaryVersionAndEnablesTheKey() {
        apply(keyEvent(KEY_ID, 0, createdExternal()),
                keyEvent(KEY_ID, 1, imported(IMPORTED_MATERIAL, VALID_TO, IMPORTED_AT)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.state()).isEqualTo(KeyState.Enabled);
        assertThat(key.versions()).containsExactly(new KeyVersion(IMPORTED_VERSION, IMPORTED_MATERIAL, IMPORTED_AT));
        assertThat(key.primaryVersion()).isEqualTo(IMPORTED_VERSION);
        assertThat(key.validTo()).isEqualTo(VALID_TO);
        assertThat(removedMaterial).isEmpty();
    }

    @Test
    void materialImportedAgainReplacesTheVersionsMaterialWithoutAddingAVersion() {
        apply(keyEvent(KEY_ID, 0, createdExternal()),
                keyEvent(KEY_ID, 1, imported(IMPORTED_MATERIAL, VALID_TO, IMPORTED_AT)),
                keyEvent(KEY_ID, 2, materialRemoved(BY_DELETE_IMPORTED_KEY_MATERIAL)),
                keyEvent(KEY_ID, 3, imported(SAME_MATERIAL_WRAPPED_AGAIN, LATER_VALID_TO, REIMPORTED_AT)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.state()).isEqualTo(KeyState.Enabled);
        assertThat(key.versions())
                .containsExactly(new KeyVersion(IMPORTED_VERSION, SAME_MATERIAL_WRAPPED_AGAIN, REIMPORTED_AT));
        assertThat(key.primary()).map(KeyVersion::material).contains(SAME_MATERIAL_WRAPPED_AGAIN);
        assertThat(key.validTo()).isEqualTo(LATER_VALID_TO);
    }

    @Test
    void reimportWhileEnabledSetsTheNewValidToOrClearsIt() {
        apply(keyEvent(KEY_ID, 0, createdExternal()),
                keyEvent(KEY_ID, 1, imported(IMPORTED_MATERIAL, VALID_TO, IMPORTED_AT)),
                keyEvent(KEY_ID, 2, imported(SAME_MATERIAL_WRAPPED_AGAIN, LATER_VALID_TO, REIMPORTED_AT)));

        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::validTo).contains(LATER_VALID_TO);
        assertThat(view.find(OWNER, KEY_ID).orElseThrow().versions()).hasSize(1);

        apply(keyEvent(KEY_ID, 3, imported(SAME_MATERIAL_WRAPPED_AGAIN, NEVER_EXPIRES, REIMPORTED_AT)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.validTo()).isNull();
        assertThat(key.state()).isEqualTo(KeyState.Enabled);
        assertThat(removedMaterial).isEmpty();
    }

    @Test
    void disabledKeyStaysDisabledWhenItsMaterialIsImportedAgain() {
        apply(keyEvent(KEY_ID, 0, createdExternal()),
                keyEvent(KEY_ID, 1, imported(IMPORTED_MATERIAL, VALID_TO, IMPORTED_AT)),
                keyEvent(KEY_ID, 2, new KeyDisabled(KEY_ID)),
                keyEvent(KEY_ID, 3, imported(SAME_MATERIAL_WRAPPED_AGAIN, LATER_VALID_TO, REIMPORTED_AT)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.state()).isEqualTo(KeyState.Disabled);
        assertThat(key.validTo()).isEqualTo(LATER_VALID_TO);
    }

    @ParameterizedTest(name = "expired: {0}")
    @ValueSource(booleans = {BY_DELETE_IMPORTED_KEY_MATERIAL, BY_EXPIRY})
    void removedMaterialLeavesTheKeyPendingImportWithoutValidToAndIsReported(boolean expired) {
        apply(keyEvent(KEY_ID, 0, createdExternal()),
                keyEvent(KEY_ID, 1, imported(IMPORTED_MATERIAL, VALID_TO, IMPORTED_AT)),
                keyEvent(KEY_ID, 2, new KeyDisabled(KEY_ID)),
                keyEvent(KEY_ID, 3, materialRemoved(expired)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.state()).isEqualTo(KeyState.PendingImport);
        assertThat(key.validTo()).isNull();
        assertThat(removedMaterial).containsExactly(KEY_ID);
        assertThat(deletedKeys).isEmpty();
    }

    @ParameterizedTest(name = "expired: {0}")
    @ValueSource(booleans = {BY_DELETE_IMPORTED_KEY_MATERIAL, BY_EXPIRY})
    void materialRemovedWhilePendingDeletionLeavesTheKeyPendingDeletion(boolean expired) {
        apply(keyEvent(KEY_ID, 0, createdExternal()),
                keyEvent(KEY_ID, 1, imported(IMPORTED_MATERIAL, VALID_TO, IMPORTED_AT)),
                keyEvent(KEY_ID, 2, new KeyDeletionScheduled(KEY_ID, 7, DELETION_DATE)),
                keyEvent(KEY_ID, 3, materialRemoved(expired)));

        KeyRecord pending = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(pending.state()).isEqualTo(KeyState.PendingDelete);
        assertThat(pending.deletionDate()).isEqualTo(DELETION_DATE);
        assertThat(pending.validTo()).isNull();
        assertThat(removedMaterial).containsExactly(KEY_ID);

        // the aggregate restores what the removal left: a key waiting for its material
        apply(keyEvent(KEY_ID, 4, new KeyDeletionCancelled(KEY_ID, KeyState.PendingImport)));

        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::state).contains(KeyState.PendingImport);
    }

    @Test
    void everyRemovalIsReportedOnce() {
        apply(keyEvent(KEY_ID, 0, createdExternal()),
                keyEvent(KEY_ID, 1, imported(IMPORTED_MATERIAL, VALID_TO, IMPORTED_AT)),
                keyEvent(KEY_ID, 2, materialRemoved(BY_DELETE_IMPORTED_KEY_MATERIAL)),
                keyEvent(KEY_ID, 3, imported(SAME_MATERIAL_WRAPPED_AGAIN, VALID_TO, REIMPORTED_AT)),
                keyEvent(KEY_ID, 4, materialRemoved(BY_EXPIRY)));

        assertThat(removedMaterial).containsExactly(KEY_ID, KEY_ID);
    }

    @Test
    void materialEventsDeliveredTwiceAreAppliedAndReportedOnce() {
        DomainEventMessage<?> created = keyEvent(KEY_ID, 0, createdExternal());
        DomainEventMessage<?> imported = keyEvent(KEY_ID, 1, imported(IMPORTED_MATERIAL, VALID_TO, IMPORTED_AT));
        DomainEventMessage<?> removed = keyEvent(KEY_ID, 2, materialRemoved(BY_DELETE_IMPORTED_KEY_MATERIAL));
        DomainEventMessage<?> reimported = keyEvent(KEY_ID, 3,
                imported(SAME_MATERIAL_WRAPPED_AGAIN, LATER_VALID_TO, REIMPORTED_AT));

        apply(created, imported, removed, reimported);
        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();

        apply(created, imported, removed); // the other feed, after the re-import

        assertThat(view.find(OWNER, KEY_ID)).contains(key);
        assertThat(key.state()).isEqualTo(KeyState.Enabled);
        assertThat(key.versions())
                .containsExactly(new KeyVersion(IMPORTED_VERSION, SAME_MATERIAL_WRAPPED_AGAIN, REIMPORTED_AT));
        assertThat(removedMaterial).containsExactly(KEY_ID);
        assertThat(history.reads).isEmpty();
    }

    @Test
    void removalReachedThroughAGapIsReportedWhenTheGapIsFilledAndOnlyThen() {
        DomainEventMessage<?> created = keyEvent(KEY_ID, 0, createdExternal());
        DomainEventMessage<?> imported = keyEvent(KEY_ID, 1, imported(IMPORTED_MATERIAL, VALID_TO, IMPORTED_AT));
        DomainEventMessage<?> removed = keyEvent(KEY_ID, 2, materialRemoved(BY_EXPIRY));
        DomainEventMessage<?> reimported = keyEvent(KEY_ID, 3,
                imported(SAME_MATERIAL_WRAPPED_AGAIN, LATER_VALID_TO, REIMPORTED_AT));
        history.store(created, imported, removed, reimported);

        apply(created, reimported);

        assertThat(history.reads).containsExactly(new Read(KEY_ID.value(), 1));
        assertThat(removedMaterial).containsExactly(KEY_ID);
        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::validTo).contains(LATER_VALID_TO);

        apply(imported, removed, reimported); // the late events themselves, from the slower feed

        assertThat(removedMaterial).containsExactly(KEY_ID);
        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::state).contains(KeyState.Enabled);
    }

    // ---- versions and rotation ---------------------------------------------------------------

    @Test
    void keyThatNeverRotatedShowsNoRotation() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, firstVersion()));

        // the first version is the key's creation, not a rotation
        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::rotation).contains(Rotation.NONE);
    }

    @Test
    void enablingRotationShowsItsPeriodAndFirstTurn() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, firstVersion()),
                keyEvent(KEY_ID, 2, new KeyRotationEnabled(KEY_ID, ROTATE_DAYS, PERIOD, FIRST_TURN)));

        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::rotation)
                .contains(new Rotation(true, ROTATE_DAYS, FIRST_TURN, null));
    }

    @Test
    void scheduledTurnMovesTheNextRotationTime() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, firstVersion()),
                keyEvent(KEY_ID, 2, new KeyRotationEnabled(KEY_ID, ROTATE_DAYS, PERIOD, FIRST_TURN)),
                keyEvent(KEY_ID, 3, new NextKeyRotationScheduled(KEY_ID, false, SECOND_TURN)));

        // a turn the key skipped (it was not Enabled) made no version: no last rotation
        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::rotation)
                .contains(new Rotation(true, ROTATE_DAYS, SECOND_TURN, null));
    }

    @Test
    void rotatedVersionBecomesPrimaryAndTheFirstStaysForOldCiphertexts() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, firstVersion()),
                keyEvent(KEY_ID, 2, new KeyVersionCreated(KEY_ID, SECOND_VERSION, SECOND_MATERIAL, true,
                        ROTATED_ON_DEMAND_AT)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.primaryVersion()).isEqualTo(SECOND_VERSION);
        assertThat(key.primary()).map(KeyVersion::material).contains(SECOND_MATERIAL);
        assertThat(key.version(FIRST_VERSION)).map(KeyVersion::material).contains(FIRST_MATERIAL);
        assertThat(key.rotation().lastRotateTime()).isEqualTo(ROTATED_ON_DEMAND_AT);
    }

    @Test
    void scheduledRotationShowsTheNewVersionTheLastRotationAndTheNextTurn() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, firstVersion()),
                keyEvent(KEY_ID, 2, new KeyRotationEnabled(KEY_ID, ROTATE_DAYS, PERIOD, FIRST_TURN)),
                keyEvent(KEY_ID, 3, new KeyVersionCreated(KEY_ID, SECOND_VERSION, SECOND_MATERIAL, true, FIRST_TURN)),
                keyEvent(KEY_ID, 4, new NextKeyRotationScheduled(KEY_ID, true, SECOND_TURN)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.primaryVersion()).isEqualTo(SECOND_VERSION);
        assertThat(key.rotation()).isEqualTo(new Rotation(true, ROTATE_DAYS, SECOND_TURN, FIRST_TURN));
    }

    @Test
    void disablingRotationClearsTheNextTurnAndKeepsThePeriodAndLastRotation() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, firstVersion()),
                keyEvent(KEY_ID, 2, new KeyRotationEnabled(KEY_ID, ROTATE_DAYS, PERIOD, FIRST_TURN)),
                keyEvent(KEY_ID, 3, new KeyVersionCreated(KEY_ID, SECOND_VERSION, SECOND_MATERIAL, true, FIRST_TURN)),
                keyEvent(KEY_ID, 4, new NextKeyRotationScheduled(KEY_ID, true, SECOND_TURN)),
                keyEvent(KEY_ID, 5, new KeyRotationDisabled(KEY_ID)));

        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::rotation)
                .contains(new Rotation(false, ROTATE_DAYS, null, FIRST_TURN));
    }

    @Test
    void enablingRotationAgainKeepsTheLastRotation() {
        Instant reenabledTurn = SECOND_TURN.plus(PERIOD);
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, firstVersion()),
                keyEvent(KEY_ID, 2, new KeyVersionCreated(KEY_ID, SECOND_VERSION, SECOND_MATERIAL, true,
                        ROTATED_ON_DEMAND_AT)),
                keyEvent(KEY_ID, 3, new KeyRotationEnabled(KEY_ID, ROTATE_DAYS, PERIOD, FIRST_TURN)),
                keyEvent(KEY_ID, 4, new KeyRotationDisabled(KEY_ID)),
                keyEvent(KEY_ID, 5, new KeyRotationEnabled(KEY_ID, 2 * ROTATE_DAYS, PERIOD.multipliedBy(2),
                        reenabledTurn)));

        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::rotation)
                .contains(new Rotation(true, 2 * ROTATE_DAYS, reenabledTurn, ROTATED_ON_DEMAND_AT));
    }

    @Test
    void versionThatIsNotPrimaryIsKeptButNeitherUsedNorCountedAsARotation() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, firstVersion()),
                keyEvent(KEY_ID, 2, new KeyVersionCreated(KEY_ID, SECOND_VERSION, SECOND_MATERIAL, false, LATER)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.primaryVersion()).isEqualTo(FIRST_VERSION);
        assertThat(key.version(SECOND_VERSION)).map(KeyVersion::material).contains(SECOND_MATERIAL);
        assertThat(key.rotation().lastRotateTime()).isNull();
    }

    @Test
    void versionsAreListedNewestFirst() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, firstVersion()),
                keyEvent(KEY_ID, 2, new KeyVersionCreated(KEY_ID, SECOND_VERSION, SECOND_MATERIAL, true, FIRST_TURN)),
                keyEvent(KEY_ID, 3, new KeyVersionCreated(KEY_ID, THIRD_VERSION, THIRD_MATERIAL, true, SECOND_TURN)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.versionsNewestFirst()).extracting(KeyVersion::id)
                .containsExactly(THIRD_VERSION, SECOND_VERSION, FIRST_VERSION);
        assertThat(key.versions()).extracting(KeyVersion::id)
                .containsExactly(FIRST_VERSION, SECOND_VERSION, THIRD_VERSION);
        assertThat(key.primaryVersion()).isEqualTo(THIRD_VERSION);
        assertThat(key.rotation().lastRotateTime()).isEqualTo(SECOND_TURN);
    }

    @Test
    void rotationDeliveredTwiceAddsOneVersion() {
        DomainEventMessage<?> rotated = keyEvent(KEY_ID, 2,
                new KeyVersionCreated(KEY_ID, SECOND_VERSION, SECOND_MATERIAL, true, FIRST_TURN));
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, firstVersion()),
                rotated, rotated);

        assertThat(view.find(OWNER, KEY_ID).orElseThrow().versions()).extracting(KeyVersion::id)
                .containsExactly(FIRST_VERSION, SECOND_VERSION);
    }

    // ---- idempotence and gaps ----------------------------------------------------------------

    @Test
    void eventDeliveredTwiceIsAppliedOnce() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(KEY_ID, 1, new KeyDisabled(KEY_ID)),
                keyEvent(KEY_ID, 2, new KeyEnabled(KEY_ID)));

        apply(keyEvent(KEY_ID, 1, new KeyDisabled(KEY_ID)),
                keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)));

        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.state()).isEqualTo(KeyState.Enabled);
        assertThat(key.sequence()).isEqualTo(2);
        assertThat(history.reads).isEmpty();
    }

    @Test
    void gapInAKeysEventsIsFilledFromItsHistory() {
        DomainEventMessage<?> created = keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT));
        DomainEventMessage<?> version = keyEvent(KEY_ID, 1,
                new KeyVersionCreated(KEY_ID, FIRST_VERSION, FIRST_MATERIAL, true, CREATED_AT));
        DomainEventMessage<?> disabled = keyEvent(KEY_ID, 2, new KeyDisabled(KEY_ID));
        DomainEventMessage<?> described = keyEvent(KEY_ID, 3, new KeyDescriptionUpdated(KEY_ID, "archive"));
        history.store(created, version, disabled, described);

        apply(created, described);

        assertThat(history.reads).containsExactly(new Read(KEY_ID.value(), 1));
        KeyRecord key = view.find(OWNER, KEY_ID).orElseThrow();
        assertThat(key.primaryVersion()).isEqualTo(FIRST_VERSION);
        assertThat(key.state()).isEqualTo(KeyState.Disabled);
        assertThat(key.description()).isEqualTo("archive");
        assertThat(key.sequence()).isEqualTo(3);

        apply(version, disabled); // the late events themselves, from the slower feed

        assertThat(view.find(OWNER, KEY_ID)).contains(key);
        assertThat(history.reads).hasSize(1);
    }

    @Test
    void keyFirstSeenAfterItsCreationIsReadFromTheStart() {
        DomainEventMessage<?> created = keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT));
        DomainEventMessage<?> disabled = keyEvent(KEY_ID, 1, new KeyDisabled(KEY_ID));
        history.store(created, disabled);

        apply(disabled);

        assertThat(history.reads).containsExactly(new Read(KEY_ID.value(), 0));
        assertThat(view.find(OWNER, KEY_ID)).map(KeyRecord::state).contains(KeyState.Disabled);
        assertThat(view.keysOf(OWNER)).extracting(KeyRecord::keyId).containsExactly(KEY_ID);
    }

    @Test
    void deletionReachedThroughAGapIsReportedOnce() {
        DomainEventMessage<?> created = keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT));
        DomainEventMessage<?> scheduled = keyEvent(KEY_ID, 1, new KeyDeletionScheduled(KEY_ID, 7, DELETION_DATE));
        DomainEventMessage<?> deleted = keyEvent(KEY_ID, 2, new KeyDeleted(KEY_ID, DELETION_DATE));
        history.store(created, scheduled, deleted);

        apply(created, deleted, scheduled, deleted);

        assertThat(view.find(OWNER, KEY_ID)).isEmpty();
        assertThat(deletedKeys).containsExactly(KEY_ID);
    }

    @Test
    void gapInAnAccountsAliasEventsIsFilledFromItsHistory() {
        DomainEventMessage<?> first = aliasEvent(OWNER, 0, new AliasCreated(OWNER, PAYROLL, KEY_ID), CREATED_AT);
        DomainEventMessage<?> second = aliasEvent(OWNER, 1, new AliasCreated(OWNER, ARCHIVE, SECOND_KEY_ID), LATER);
        DomainEventMessage<?> third = aliasEvent(OWNER, 2, new AliasUpdated(OWNER, PAYROLL, KEY_ID, SECOND_KEY_ID), LATER);
        history.store(first, second, third);

        apply(first, third, second);

        assertThat(history.reads).containsExactly(new Read(OWNER.toString(), 1));
        assertThat(view.aliasesOf(OWNER)).containsExactly(
                new AliasRecord(PAYROLL, SECOND_KEY_ID, CREATED_AT, 0),
                new AliasRecord(ARCHIVE, SECOND_KEY_ID, LATER, 1));
    }

    // ---- aliases -----------------------------------------------------------------------------

    @Test
    void aliasesFollowTheirEvents() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(SECOND_KEY_ID, 0, created(SECOND_KEY_ID, OWNER, CREATED_AT)),
                aliasEvent(OWNER, 0, new AliasCreated(OWNER, PAYROLL, KEY_ID), CREATED_AT));
        assertThat(view.alias(OWNER, PAYROLL)).contains(new AliasRecord(PAYROLL, KEY_ID, CREATED_AT, 0));

        apply(aliasEvent(OWNER, 1, new AliasUpdated(OWNER, PAYROLL, KEY_ID, SECOND_KEY_ID), LATER));
        // re-pointing keeps the alias's creation time and place
        assertThat(view.alias(OWNER, PAYROLL)).contains(new AliasRecord(PAYROLL, SECOND_KEY_ID, CREATED_AT, 0));
        assertThat(view.resolve(OWNER, PAYROLL.value())).map(KeyRecord::keyId).contains(SECOND_KEY_ID);

        apply(aliasEvent(OWNER, 2, new AliasDeleted(OWNER, PAYROLL, SECOND_KEY_ID, false), LATER));
        assertThat(view.alias(OWNER, PAYROLL)).isEmpty();
        assertThat(view.resolve(OWNER, PAYROLL.value())).isEmpty();
        assertThat(view.find(OWNER, SECOND_KEY_ID)).isPresent();
    }

    @Test
    void aRenamedAliasKeepsItsPlaceAndCreationTimeUnderItsNewName() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                aliasEvent(OWNER, 0, new AliasCreated(OWNER, ZETA, SECOND_KEY_ID), CREATED_AT),
                aliasEvent(OWNER, 1, new AliasCreated(OWNER, PAYROLL, KEY_ID), CREATED_AT),
                aliasEvent(OWNER, 2, new AliasRenamed(OWNER, PAYROLL, ARCHIVE, KEY_ID), LATER));

        assertThat(view.alias(OWNER, PAYROLL)).isEmpty();
        assertThat(view.resolve(OWNER, PAYROLL.value())).isEmpty();
        assertThat(view.alias(OWNER, ARCHIVE)).contains(new AliasRecord(ARCHIVE, KEY_ID, CREATED_AT, 1));
        assertThat(view.resolve(OWNER, ARCHIVE.value())).map(KeyRecord::keyId).contains(KEY_ID);
        assertThat(view.aliasesOf(OWNER)).extracting(AliasRecord::alias).containsExactly(ZETA, ARCHIVE);
    }

    @Test
    void aRenameDeliveredTwiceOrAfterAGapIsAppliedOnce() {
        DomainEventMessage<?> created = aliasEvent(OWNER, 0, new AliasCreated(OWNER, PAYROLL, KEY_ID), CREATED_AT);
        DomainEventMessage<?> renamed = aliasEvent(OWNER, 1, new AliasRenamed(OWNER, PAYROLL, ARCHIVE, KEY_ID), LATER);
        DomainEventMessage<?> reused = aliasEvent(OWNER, 2, new AliasCreated(OWNER, PAYROLL, SECOND_KEY_ID), LATER);
        history.store(created, renamed, reused);

        apply(created, reused, renamed, created, renamed);

        assertThat(view.aliasesOf(OWNER)).containsExactly(
                new AliasRecord(ARCHIVE, KEY_ID, CREATED_AT, 0),
                new AliasRecord(PAYROLL, SECOND_KEY_ID, LATER, 2));
    }

    @Test
    void aliasesOfAKeyComeInTheOrderTheyWereCreated() {
        apply(aliasEvent(OWNER, 0, new AliasCreated(OWNER, ZETA, KEY_ID), CREATED_AT),
                aliasEvent(OWNER, 1, new AliasCreated(OWNER, ARCHIVE, SECOND_KEY_ID), CREATED_AT),
                aliasEvent(OWNER, 2, new AliasCreated(OWNER, PAYROLL, KEY_ID), CREATED_AT));

        assertThat(view.aliasesOf(OWNER, KEY_ID)).extracting(AliasRecord::alias).containsExactly(ZETA, PAYROLL);
        assertThat(view.aliasesOf(OWNER, SECOND_KEY_ID)).extracting(AliasRecord::alias).containsExactly(ARCHIVE);
        assertThat(view.aliasesOf(OWNER)).extracting(AliasRecord::alias).containsExactly(ZETA, ARCHIVE, PAYROLL);
        assertThat(view.aliasesOf(ANOTHER_ACCOUNT, KEY_ID)).isEmpty();
    }

    @Test
    void sameAliasNameInTwoAccountsNamesEachAccountsOwnKey() {
        apply(keyEvent(KEY_ID, 0, created(KEY_ID, OWNER, CREATED_AT)),
                keyEvent(THIRD_KEY_ID, 0, created(THIRD_KEY_ID, ANOTHER_ACCOUNT, CREATED_AT)),
                aliasEvent(OWNER, 0, new AliasCreated(OWNER, PAYROLL, KEY_ID), CREATED_AT),
                aliasEvent(ANOTHER_ACCOUNT, 0, new AliasCreated(ANOTHER_ACCOUNT, PAYROLL, THIRD_KEY_ID), CREATED_AT));

        assertThat(view.resolve(OWNER, PAYROLL.value())).map(KeyRecord::keyId).contains(KEY_ID);
        assertThat(view.resolve(ANOTHER_ACCOUNT, PAYROLL.value())).map(KeyRecord::keyId).contains(THIRD_KEY_ID);
    }

    @Test
    void aliasEventDeliveredTwiceIsAppliedOnce() {
        DomainEventMessage<?> created = aliasEvent(OWNER, 0, new AliasCreated(OWNER, PAYROLL, KEY_ID), CREATED_AT);
        DomainEventMessage<?> deleted = aliasEvent(OWNER, 1, new AliasDeleted(OWNER, PAYROLL, KEY_ID, true), LATER);

        apply(created, deleted, created);

        assertThat(view.aliasesOf(OWNER)).isEmpty();
        assertThat(history.reads).isEmpty();
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void apply(DomainEventMessage<?>... messages) {
        for (DomainEventMessage<?> message : messages) {
            view.apply(message);
        }
    }

    private static KeyCreated created(KeyId keyId, AccountId account, Instant createdAt) {
        return new KeyCreated(keyId, account, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, Origin.TENCENT_KMS,
                ProtectionLevel.SOFTWARE, "payroll database", KeyState.Enabled, createdAt);
    }

    private static KeyCreated createdExternal() {
        return new KeyCreated(KEY_ID, OWNER, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, Origin.EXTERNAL,
                ProtectionLevel.SOFTWARE, "payroll database", KeyState.PendingImport, CREATED_AT);
    }

    private static KeyMaterialImported imported(WrappedKeyMaterial material, Instant validTo, Instant importedAt) {
        return new KeyMaterialImported(KEY_ID, IMPORTED_VERSION, material, FINGERPRINT, validTo, importedAt);
    }

    private static ImportedKeyMaterialDeleted materialRemoved(boolean expired) {
        return new ImportedKeyMaterialDeleted(KEY_ID, expired, REIMPORTED_AT);
    }

    private static KeyVersionCreated firstVersion() {
        return new KeyVersionCreated(KEY_ID, FIRST_VERSION, FIRST_MATERIAL, true, CREATED_AT);
    }

    private static DomainEventMessage<?> keyEvent(KeyId keyId, long sequence, Object payload) {
        return new GenericDomainEventMessage<>(CMK, keyId.value(), sequence, payload, MetaData.emptyInstance(),
                UUID.randomUUID().toString(), CREATED_AT);
    }

    private static DomainEventMessage<?> aliasEvent(AccountId account, long sequence, Object payload, Instant at) {
        return new GenericDomainEventMessage<>(ALIAS_REGISTRY, account.toString(), sequence, payload,
                MetaData.emptyInstance(), UUID.randomUUID().toString(), at);
    }

    private record Read(String aggregateIdentifier, long fromSequenceNumber) {
    }

    /** The event store's history of each aggregate, recording every read. */
    private static final class RecordingHistory implements KeyView.EventHistory {

        private final Map<String, List<DomainEventMessage<?>>> events = new HashMap<>();
        private final List<Read> reads = new ArrayList<>();

        void store(DomainEventMessage<?>... messages) {
            for (DomainEventMessage<?> message : messages) {
                events.computeIfAbsent(message.getAggregateIdentifier(), id -> new ArrayList<>()).add(message);
            }
        }

        @Override
        public Stream<? extends DomainEventMessage<?>> read(String aggregateIdentifier, long fromSequenceNumber) {
            reads.add(new Read(aggregateIdentifier, fromSequenceNumber));
            return events.getOrDefault(aggregateIdentifier, List.of()).stream()
                    .filter(message -> message.getSequenceNumber() >= fromSequenceNumber);
        }
    }
}
