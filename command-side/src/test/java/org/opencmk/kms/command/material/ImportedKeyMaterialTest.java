package org.opencmk.kms.command.material;

import static org.opencmk.kms.command.Refusals.refusedWith;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.opencmk.kms.command.lifecycle.CancelKeyDeletion;
import org.opencmk.kms.command.lifecycle.Cmk;
import org.opencmk.kms.command.lifecycle.DisableKey;
import org.opencmk.kms.command.lifecycle.EnableKey;
import org.opencmk.kms.command.lifecycle.KeyNotFoundTranslation;
import org.opencmk.kms.command.lifecycle.ScheduleKeyDeletion;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.ImportedKeyMaterialDeleted;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionCancelled;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyEnabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyMaterialImported;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.MaterialFingerprint;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * The imported material of an EXTERNAL CMK (seed 000, step 4; Tencent ImportKeyMaterial,
 * DeleteImportedKeyMaterial): the rules the {@link Cmk} aggregate decides for import, deletion and
 * expiry. Wrapping, unwrapping and fingerprinting happen before the command, in the server; here
 * the material is opaque bytes and the fingerprint is what binds the key.
 */
class ImportedKeyMaterialTest {

    private static final AccountId OWNER = new AccountId(100_000_001L);
    private static final AccountId ANOTHER_ACCOUNT = new AccountId(100_000_002L);

    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    /** An EXTERNAL key's one version, fixed by the first import. */
    private static final KeyVersionId THE_VERSION = new KeyVersionId("5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e");
    private static final KeyVersionId KMS_KEYS_VERSION = new KeyVersionId("6a1e2f3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b");

    private static final WrappedKeyMaterial FIRST_WRAP = new WrappedKeyMaterial(new byte[] {11, 12, 13, 14});
    /** The identical material, wrapped again on a later import: other bytes, same fingerprint. */
    private static final WrappedKeyMaterial SAME_MATERIAL_WRAPPED_AGAIN = new WrappedKeyMaterial(new byte[] {21, 22, 23, 24});
    private static final WrappedKeyMaterial OTHER_MATERIAL = new WrappedKeyMaterial(new byte[] {31, 32, 33, 34});
    private static final MaterialFingerprint BOUND_FINGERPRINT = new MaterialFingerprint(new byte[] {7, 7, 7, 7});
    private static final MaterialFingerprint OTHER_FINGERPRINT = new MaterialFingerprint(new byte[] {7, 7, 7, 8});

    private static final Instant CREATED_AT = Instant.parse("2025-03-01T08:00:00Z");
    private static final Instant IMPORTED_AT = CREATED_AT.plus(Duration.ofMinutes(10));
    private static final Instant VALID_TO = IMPORTED_AT.plus(Duration.ofDays(30));
    /** When the command under test is sent, while the first import is still valid. */
    private static final Instant NOW = IMPORTED_AT.plus(Duration.ofDays(1));
    private static final Instant LATER_VALID_TO = VALID_TO.plus(Duration.ofDays(60));
    private static final Instant EARLIER_VALID_TO = VALID_TO.minus(Duration.ofDays(10));
    private static final Instant AFTER_VALID_TO = VALID_TO.plus(Duration.ofHours(1));
    private static final Instant NEVER_EXPIRES = null;

    private static final int PENDING_WINDOW_DAYS = 7;
    private static final Instant DELETION_DATE = NOW.plus(Duration.ofDays(PENDING_WINDOW_DAYS));
    private static final boolean DELETED_BY_THE_OWNER = false;
    private static final boolean EXPIRED = true;

    private static final KeyCreated EXTERNAL_KEY_CREATED = new KeyCreated(KEY_ID, OWNER, KeySpec.AES_256,
            KeyUsage.ENCRYPT_DECRYPT, Origin.EXTERNAL, ProtectionLevel.SOFTWARE, "payroll database",
            KeyState.PendingImport, CREATED_AT);
    private static final KeyMaterialImported FIRST_IMPORT = new KeyMaterialImported(KEY_ID, THE_VERSION, FIRST_WRAP,
            BOUND_FINGERPRINT, VALID_TO, IMPORTED_AT);
    private static final ImportedKeyMaterialDeleted DELETED_BY_OWNER =
            new ImportedKeyMaterialDeleted(KEY_ID, DELETED_BY_THE_OWNER, IMPORTED_AT.plus(Duration.ofHours(1)));
    private static final ImportedKeyMaterialDeleted EXPIRED_AT_VALID_TO =
            new ImportedKeyMaterialDeleted(KEY_ID, EXPIRED, VALID_TO);
    private static final KeyDeletionScheduled DELETION_SCHEDULED =
            new KeyDeletionScheduled(KEY_ID, PENDING_WINDOW_DAYS, DELETION_DATE);

    private AggregateTestFixture<Cmk> fixture;

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(Cmk.class);
        fixture.registerCommandHandlerInterceptor(new KeyNotFoundTranslation());
    }

    // ---- ImportKeyMaterial: the first import ---------------------------------------------------

    @Test
    void externalKeyPendingImportTakesTheImportedMaterial() {
        fixture.given(EXTERNAL_KEY_CREATED)
                .when(importMaterial(OWNER, FIRST_WRAP, BOUND_FINGERPRINT, VALID_TO, IMPORTED_AT))
                .expectSuccessfulHandlerExecution()
                .expectEvents(FIRST_IMPORT);
    }

    @Test
    void materialWithoutValidToIsImportedToNeverExpire() {
        fixture.given(EXTERNAL_KEY_CREATED)
                .when(importMaterial(OWNER, FIRST_WRAP, BOUND_FINGERPRINT, NEVER_EXPIRES, IMPORTED_AT))
                .expectEvents(new KeyMaterialImported(KEY_ID, THE_VERSION, FIRST_WRAP, BOUND_FINGERPRINT,
                        NEVER_EXPIRES, IMPORTED_AT));
    }

    @Test
    void keyWithImportedMaterialIsEnabled() {
        // only an Enabled key can be disabled
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT)
                .when(new DisableKey(KEY_ID, OWNER))
                .expectEvents(new KeyDisabled(KEY_ID));
    }

    @Test
    void kmsOriginKeyTakesNoImportedMaterial() {
        fixture.given(kmsOriginKey())
                .when(importMaterial(OWNER, FIRST_WRAP, BOUND_FINGERPRINT, VALID_TO, IMPORTED_AT))
                .expectException(refusedWith(KmsError.NOT_EXTERNAL_KEY))
                .expectNoEvents();
    }

    @Test
    void kmsOriginKeyHasNoImportedMaterialToDelete() {
        fixture.given(kmsOriginKey())
                .when(new DeleteImportedKeyMaterial(KEY_ID, OWNER, NOW))
                .expectException(refusedWith(KmsError.NOT_EXTERNAL_KEY))
                .expectNoEvents();
    }

    static Stream<Arguments> anotherAccountsMaterialCommands() {
        return Stream.of(
                Arguments.of("import into a key pending import", new Object[] {EXTERNAL_KEY_CREATED},
                        importMaterial(ANOTHER_ACCOUNT, FIRST_WRAP, BOUND_FINGERPRINT, VALID_TO, IMPORTED_AT)),
                Arguments.of("delete the material", new Object[] {EXTERNAL_KEY_CREATED, FIRST_IMPORT},
                        new DeleteImportedKeyMaterial(KEY_ID, ANOTHER_ACCOUNT, NOW)),
                // not NOT_EXTERNAL_KEY: that would tell the caller the key exists
                Arguments.of("import into a KMS-origin key", kmsOriginKey(),
                        importMaterial(ANOTHER_ACCOUNT, FIRST_WRAP, BOUND_FINGERPRINT, VALID_TO, IMPORTED_AT)),
                Arguments.of("delete a KMS-origin key's material", kmsOriginKey(),
                        new DeleteImportedKeyMaterial(KEY_ID, ANOTHER_ACCOUNT, NOW)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("anotherAccountsMaterialCommands")
    void anotherAccountsMaterialCommandIsAnsweredAsIfTheKeyDidNotExist(String what, Object[] history,
                                                                        Object command) {
        fixture.given(history)
                .when(command)
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    @Test
    void validToNowIsRefused() {
        fixture.given(EXTERNAL_KEY_CREATED)
                .when(importMaterial(OWNER, FIRST_WRAP, BOUND_FINGERPRINT, IMPORTED_AT, IMPORTED_AT))
                .expectException(refusedWith(KmsError.INVALID_PARAMETER_VALUE))
                .expectNoEvents();
    }

    @Test
    void validToInThePastIsRefused() {
        fixture.given(EXTERNAL_KEY_CREATED)
                .when(importMaterial(OWNER, FIRST_WRAP, BOUND_FINGERPRINT, IMPORTED_AT.minusSeconds(1), IMPORTED_AT))
                .expectException(refusedWith(KmsError.INVALID_PARAMETER_VALUE))
                .expectNoEvents();
    }

    // ---- ImportKeyMaterial again: only the identical material ----------------------------------

    static Stream<Arguments> historiesOfAnImportedKey() {
        return Stream.of(
                Arguments.of("Enabled", new Object[] {EXTERNAL_KEY_CREATED, FIRST_IMPORT}),
                Arguments.of("Disabled", new Object[] {EXTERNAL_KEY_CREATED, FIRST_IMPORT, new KeyDisabled(KEY_ID)}),
                Arguments.of("material deleted", new Object[] {EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETED_BY_OWNER}),
                Arguments.of("material expired", new Object[] {EXTERNAL_KEY_CREATED, FIRST_IMPORT, EXPIRED_AT_VALID_TO}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("historiesOfAnImportedKey")
    void otherMaterialIsRefusedOnceTheKeyIsBoundToItsFirstImport(String state, Object[] history) {
        fixture.given(history)
                .when(importMaterial(OWNER, OTHER_MATERIAL, OTHER_FINGERPRINT, LATER_VALID_TO, AFTER_VALID_TO))
                .expectException(refusedWith(KmsError.KEY_MATERIAL_NOT_MATCH))
                .expectNoEvents();
    }

    @Test
    void identicalMaterialIsImportedAgainAfterItsDeletion() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETED_BY_OWNER)
                .when(importMaterial(OWNER, SAME_MATERIAL_WRAPPED_AGAIN, BOUND_FINGERPRINT, LATER_VALID_TO, NOW))
                .expectEvents(new KeyMaterialImported(KEY_ID, THE_VERSION, SAME_MATERIAL_WRAPPED_AGAIN,
                        BOUND_FINGERPRINT, LATER_VALID_TO, NOW));
    }

    @Test
    void identicalMaterialIsImportedAgainAfterItExpired() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, EXPIRED_AT_VALID_TO)
                .when(importMaterial(OWNER, SAME_MATERIAL_WRAPPED_AGAIN, BOUND_FINGERPRINT, LATER_VALID_TO,
                        AFTER_VALID_TO))
                .expectEvents(new KeyMaterialImported(KEY_ID, THE_VERSION, SAME_MATERIAL_WRAPPED_AGAIN,
                        BOUND_FINGERPRINT, LATER_VALID_TO, AFTER_VALID_TO));
    }

    static Stream<Arguments> removals() {
        return Stream.of(
                Arguments.of("deleted", DELETED_BY_OWNER),
                Arguments.of("expired", EXPIRED_AT_VALID_TO));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("removals")
    void keyWhoseMaterialCameBackIsEnabledAgain(String how, ImportedKeyMaterialDeleted removal) {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, new KeyDisabled(KEY_ID), removal,
                        reimported(LATER_VALID_TO, AFTER_VALID_TO))
                .when(new DisableKey(KEY_ID, OWNER))
                .expectEvents(new KeyDisabled(KEY_ID));
    }

    @Test
    void identicalMaterialSetsANewValidToWhileTheKeyIsEnabled() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT)
                .when(importMaterial(OWNER, SAME_MATERIAL_WRAPPED_AGAIN, BOUND_FINGERPRINT, LATER_VALID_TO, NOW))
                .expectEvents(reimported(LATER_VALID_TO, NOW));
    }

    @Test
    void identicalMaterialWithoutValidToMakesTheMaterialNeverExpire() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, reimported(NEVER_EXPIRES, NOW))
                .when(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, AFTER_VALID_TO))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void disabledKeyStaysDisabledWhenItsMaterialIsImportedAgain() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, new KeyDisabled(KEY_ID))
                .when(importMaterial(OWNER, SAME_MATERIAL_WRAPPED_AGAIN, BOUND_FINGERPRINT, LATER_VALID_TO, NOW))
                .expectEvents(reimported(LATER_VALID_TO, NOW));
    }

    @Test
    void disabledKeyWhoseValidToWasResetCanBeEnabled() {
        // enabling an Enabled key records nothing: KeyEnabled proves the key was still Disabled
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, new KeyDisabled(KEY_ID), reimported(LATER_VALID_TO, NOW))
                .when(new EnableKey(KEY_ID, OWNER))
                .expectEvents(new KeyEnabled(KEY_ID));
    }

    // ---- a key pending deletion ----------------------------------------------------------------

    @Test
    void keyPendingDeletionTakesNoFirstMaterial() {
        fixture.given(EXTERNAL_KEY_CREATED, DELETION_SCHEDULED)
                .when(importMaterial(OWNER, FIRST_WRAP, BOUND_FINGERPRINT, VALID_TO, NOW))
                .expectException(refusedWith(KmsError.KEY_PENDING_DELETE))
                .expectNoEvents();
    }

    @Test
    void keyPendingDeletionTakesNoMaterialAgain() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETION_SCHEDULED)
                .when(importMaterial(OWNER, SAME_MATERIAL_WRAPPED_AGAIN, BOUND_FINGERPRINT, LATER_VALID_TO, NOW))
                .expectException(refusedWith(KmsError.KEY_PENDING_DELETE))
                .expectNoEvents();
    }

    @Test
    void materialOfAKeyPendingDeletionCannotBeDeleted() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETION_SCHEDULED)
                .when(new DeleteImportedKeyMaterial(KEY_ID, OWNER, NOW))
                .expectException(refusedWith(KmsError.KEY_PENDING_DELETE))
                .expectNoEvents();
    }

    static Stream<Object> materialCommandsOfTheOwner() {
        return Stream.of(
                importMaterial(OWNER, SAME_MATERIAL_WRAPPED_AGAIN, BOUND_FINGERPRINT, LATER_VALID_TO, DELETION_DATE),
                new DeleteImportedKeyMaterial(KEY_ID, OWNER, DELETION_DATE));
    }

    @ParameterizedTest
    @MethodSource("materialCommandsOfTheOwner")
    void materialCommandToADeletedKeyIsAnsweredAsIfTheKeyNeverExisted(Object command) {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETION_SCHEDULED, new KeyDeleted(KEY_ID, DELETION_DATE))
                .when(command)
                .expectException(refusedWith(KmsError.KEY_NOT_FOUND))
                .expectNoEvents();
    }

    // ---- DeleteImportedKeyMaterial -------------------------------------------------------------

    @Test
    void deletingTheMaterialRemovesItWithoutExpiry() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT)
                .when(new DeleteImportedKeyMaterial(KEY_ID, OWNER, NOW))
                .expectEvents(new ImportedKeyMaterialDeleted(KEY_ID, DELETED_BY_THE_OWNER, NOW));
    }

    @Test
    void materialOfADisabledKeyCanBeDeleted() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, new KeyDisabled(KEY_ID))
                .when(new DeleteImportedKeyMaterial(KEY_ID, OWNER, NOW))
                .expectEvents(new ImportedKeyMaterialDeleted(KEY_ID, DELETED_BY_THE_OWNER, NOW));
    }

    static Stream<Arguments> historiesWithoutMaterial() {
        return Stream.of(
                Arguments.of("never imported", new Object[] {EXTERNAL_KEY_CREATED}),
                Arguments.of("already deleted", new Object[] {EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETED_BY_OWNER}),
                Arguments.of("expired", new Object[] {EXTERNAL_KEY_CREATED, FIRST_IMPORT, EXPIRED_AT_VALID_TO}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("historiesWithoutMaterial")
    void deletingMaterialThatIsNotThereIsRefusedAsPendingImport(String why, Object[] history) {
        fixture.given(history)
                .when(new DeleteImportedKeyMaterial(KEY_ID, OWNER, AFTER_VALID_TO))
                .expectException(refusedWith(KmsError.KEY_PENDING_IMPORT))
                .expectNoEvents();
    }

    static Stream<Object> enableAndDisable() {
        return Stream.of(new EnableKey(KEY_ID, OWNER), new DisableKey(KEY_ID, OWNER));
    }

    @ParameterizedTest
    @MethodSource("enableAndDisable")
    void keyWhoseMaterialWasDeletedCanBeNeitherEnabledNorDisabled(Object command) {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETED_BY_OWNER)
                .when(command)
                .expectException(refusedWith(KmsError.KEY_STATE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    @ParameterizedTest
    @MethodSource("enableAndDisable")
    void keyWhoseMaterialExpiredCanBeNeitherEnabledNorDisabled(Object command) {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, new KeyDisabled(KEY_ID), EXPIRED_AT_VALID_TO)
                .when(command)
                .expectException(refusedWith(KmsError.KEY_STATE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    // ---- ExpireImportedKeyMaterial (the saga's deadline) ---------------------------------------

    @Test
    void materialExpiresAtItsValidTo() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT)
                .when(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, VALID_TO))
                .expectEvents(new ImportedKeyMaterialDeleted(KEY_ID, EXPIRED, VALID_TO));
    }

    @Test
    void deadlineThatFiresLateStillExpiresTheMaterial() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT)
                .when(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, AFTER_VALID_TO))
                .expectEvents(new ImportedKeyMaterialDeleted(KEY_ID, EXPIRED, AFTER_VALID_TO));
    }

    @Test
    void materialOfADisabledKeyExpiresToo() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, new KeyDisabled(KEY_ID))
                .when(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, VALID_TO))
                .expectEvents(new ImportedKeyMaterialDeleted(KEY_ID, EXPIRED, VALID_TO));
    }

    @Test
    void deadlineThatFiresEarlyExpiresNothing() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT)
                .when(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, VALID_TO.minusMillis(1)))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void deadlineOfAValidToThatAReimportMovedExpiresNothing() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, reimported(LATER_VALID_TO, NOW))
                .when(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, AFTER_VALID_TO))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void deadlineOfAValidToThatAReimportBroughtForwardLeavesTheExpiryToTheNewDeadline() {
        // the old deadline fires after the new ValidTo: only the command's validTo tells them apart
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, reimported(EARLIER_VALID_TO, NOW))
                .when(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, VALID_TO))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void deadlineOfTheMovedValidToExpiresTheMaterial() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, reimported(LATER_VALID_TO, NOW))
                .when(new ExpireImportedKeyMaterial(KEY_ID, LATER_VALID_TO, LATER_VALID_TO))
                .expectEvents(new ImportedKeyMaterialDeleted(KEY_ID, EXPIRED, LATER_VALID_TO));
    }

    @Test
    void deadlineAfterTheMaterialWasDeletedExpiresNothing() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETED_BY_OWNER)
                .when(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, VALID_TO))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void deadlineDeliveredTwiceFindsTheWorkDone() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, EXPIRED_AT_VALID_TO)
                .when(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, AFTER_VALID_TO))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void materialOfAKeyPendingDeletionStillExpires() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETION_SCHEDULED)
                .when(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, VALID_TO))
                .expectEvents(new ImportedKeyMaterialDeleted(KEY_ID, EXPIRED, VALID_TO));
    }

    @Test
    void keyWhoseMaterialExpiredWhilePendingDeletionIsStillPendingDeletion() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETION_SCHEDULED, EXPIRED_AT_VALID_TO)
                .when(new ScheduleKeyDeletion(KEY_ID, OWNER, PENDING_WINDOW_DAYS, DELETION_DATE))
                .expectException(refusedWith(KmsError.KEY_STATE_NOT_SUPPORTED))
                .expectNoEvents();
    }

    @Test
    void cancellingTheDeletionAfterTheMaterialExpiredLeavesTheKeyPendingImport() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, new KeyDisabled(KEY_ID), DELETION_SCHEDULED,
                        EXPIRED_AT_VALID_TO)
                .when(new CancelKeyDeletion(KEY_ID, OWNER))
                .expectEvents(new KeyDeletionCancelled(KEY_ID, KeyState.PendingImport));
    }

    @Test
    void keyRestoredToPendingImportTakesItsMaterialAgain() {
        fixture.given(EXTERNAL_KEY_CREATED, FIRST_IMPORT, DELETION_SCHEDULED, EXPIRED_AT_VALID_TO,
                        new KeyDeletionCancelled(KEY_ID, KeyState.PendingImport))
                .when(importMaterial(OWNER, SAME_MATERIAL_WRAPPED_AGAIN, BOUND_FINGERPRINT, LATER_VALID_TO,
                        AFTER_VALID_TO))
                .expectEvents(reimported(LATER_VALID_TO, AFTER_VALID_TO));
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static ImportKeyMaterial importMaterial(AccountId caller, WrappedKeyMaterial material,
                                                    MaterialFingerprint fingerprint, Instant validTo,
                                                    Instant requestedAt) {
        return new ImportKeyMaterial(KEY_ID, caller, THE_VERSION, material, fingerprint, validTo, requestedAt);
    }

    /** The identical material imported again. */
    private static KeyMaterialImported reimported(Instant validTo, Instant importedAt) {
        return new KeyMaterialImported(KEY_ID, THE_VERSION, SAME_MATERIAL_WRAPPED_AGAIN, BOUND_FINGERPRINT, validTo,
                importedAt);
    }

    private static Object[] kmsOriginKey() {
        return new Object[] {
                new KeyCreated(KEY_ID, OWNER, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, Origin.TENCENT_KMS,
                        ProtectionLevel.SOFTWARE, "payroll database", KeyState.Enabled, CREATED_AT),
                new KeyVersionCreated(KEY_ID, KMS_KEYS_VERSION, FIRST_WRAP, true, CREATED_AT)};
    }
}
