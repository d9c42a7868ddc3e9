package org.opencmk.kms.command.material;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.axonframework.test.saga.SagaTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.ImportedKeyMaterialDeleted;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyMaterialImported;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.MaterialFingerprint;
import org.opencmk.kms.events.WrappedKeyMaterial;

/** Imported material expires at its ValidTo (seed 000, step 4): the saga that owns that deadline. */
class ImportedMaterialExpirySagaTest {

    /** Persisted with every scheduled deadline: renaming it strands the deadlines already stored. */
    private static final String MATERIAL_EXPIRED = "importedMaterialExpired";
    private static final String ASSOCIATION = "keyId";

    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyId ANOTHER_KEY_ID = new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
    private static final KeyVersionId THE_VERSION = new KeyVersionId("5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e");
    private static final WrappedKeyMaterial WRAPPED_MATERIAL = new WrappedKeyMaterial(new byte[] {11, 12, 13, 14});
    private static final MaterialFingerprint FINGERPRINT = new MaterialFingerprint(new byte[] {7, 7, 7, 7});

    private static final Instant IMPORTED_AT = Instant.parse("2025-03-01T08:00:00Z");
    private static final Instant VALID_TO = IMPORTED_AT.plus(Duration.ofDays(30));
    private static final Instant REIMPORTED_AT = IMPORTED_AT.plus(Duration.ofDays(1));
    private static final Instant LATER_VALID_TO = VALID_TO.plus(Duration.ofDays(60));
    private static final Instant EARLIER_VALID_TO = VALID_TO.minus(Duration.ofDays(10));
    private static final Instant NEVER_EXPIRES = null;
    /** What the handlers' clock reads when a deadline fires. */
    private static final Instant WHEN_THE_DEADLINE_FIRES = LATER_VALID_TO.plusMillis(250);

    private static final KeyMaterialImported IMPORTED = imported(KEY_ID, VALID_TO, IMPORTED_AT);

    private SagaTestFixture<ImportedMaterialExpirySaga> fixture;

    @BeforeEach
    void setUp() {
        fixture = new SagaTestFixture<>(ImportedMaterialExpirySaga.class);
        fixture.registerResource(Clock.fixed(WHEN_THE_DEADLINE_FIRES, ZoneOffset.UTC));
    }

    @Test
    void importWithValidToSetsADeadlineAtIt() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .whenPublishingA(IMPORTED)
                .expectActiveSagas(1)
                .expectAssociationWith(ASSOCIATION, KEY_ID)
                .expectScheduledDeadlineWithName(VALID_TO, MATERIAL_EXPIRED)
                .expectScheduledDeadline(VALID_TO, KEY_ID)
                .expectNoDispatchedCommands();
    }

    @Test
    void importWithoutValidToLeavesNoSagaAndNoDeadline() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .whenPublishingA(imported(KEY_ID, NEVER_EXPIRES, IMPORTED_AT))
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines()
                .expectNoDispatchedCommands();
    }

    @Test
    void validToExpiresTheMaterialOfThatImport() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .whenTimeAdvancesTo(VALID_TO)
                .expectTriggeredDeadlinesWithName(MATERIAL_EXPIRED)
                .expectTriggeredDeadlines(KEY_ID)
                .expectDispatchedCommands(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, WHEN_THE_DEADLINE_FIRES));
    }

    @Test
    void timeElapsingPastValidToExpiresTheMaterial() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .whenTimeElapses(Duration.between(IMPORTED_AT, VALID_TO).plusHours(1))
                .expectTriggeredDeadlinesWithName(MATERIAL_EXPIRED)
                .expectDispatchedCommands(new ExpireImportedKeyMaterial(KEY_ID, VALID_TO, WHEN_THE_DEADLINE_FIRES));
    }

    @Test
    void materialIsNotExpiredBeforeItsValidTo() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .whenTimeAdvancesTo(VALID_TO.minusSeconds(1))
                .expectNoDispatchedCommands()
                .expectScheduledDeadlineWithName(VALID_TO, MATERIAL_EXPIRED);
    }

    @Test
    void reimportWithALaterValidToMovesTheDeadline() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .whenPublishingA(imported(KEY_ID, LATER_VALID_TO, REIMPORTED_AT))
                .expectActiveSagas(1)
                .expectScheduledDeadlineWithName(LATER_VALID_TO, MATERIAL_EXPIRED)
                .expectNoScheduledDeadlineWithName(VALID_TO, MATERIAL_EXPIRED);
    }

    @Test
    void deadlineAReimportMovedDoesNotFireAtTheOldValidTo() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .andThenAPublished(imported(KEY_ID, LATER_VALID_TO, REIMPORTED_AT))
                .whenTimeAdvancesTo(VALID_TO.plusSeconds(1))
                .expectNoDispatchedCommands()
                .expectScheduledDeadlineWithName(LATER_VALID_TO, MATERIAL_EXPIRED);
    }

    @Test
    void onlyTheMovedDeadlineFiresAndNamesTheNewValidTo() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .andThenAPublished(imported(KEY_ID, LATER_VALID_TO, REIMPORTED_AT))
                .whenTimeAdvancesTo(LATER_VALID_TO)
                .expectTriggeredDeadlinesWithName(MATERIAL_EXPIRED)
                .expectDispatchedCommands(
                        new ExpireImportedKeyMaterial(KEY_ID, LATER_VALID_TO, WHEN_THE_DEADLINE_FIRES));
    }

    @Test
    void reimportWithAnEarlierValidToBringsTheDeadlineForward() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .andThenAPublished(imported(KEY_ID, EARLIER_VALID_TO, REIMPORTED_AT))
                .whenTimeAdvancesTo(VALID_TO)
                .expectTriggeredDeadlinesWithName(MATERIAL_EXPIRED)
                .expectDispatchedCommands(
                        new ExpireImportedKeyMaterial(KEY_ID, EARLIER_VALID_TO, WHEN_THE_DEADLINE_FIRES));
    }

    @Test
    void reimportWithoutValidToCancelsTheDeadlineAndEndsTheSaga() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .whenPublishingA(imported(KEY_ID, NEVER_EXPIRES, REIMPORTED_AT))
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines()
                .expectNoDispatchedCommands();
    }

    @Test
    void materialImportedToNeverExpireIsNotExpiredAtTheOldValidTo() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .andThenAPublished(imported(KEY_ID, NEVER_EXPIRES, REIMPORTED_AT))
                .whenTimeAdvancesTo(LATER_VALID_TO)
                .expectNoDispatchedCommands();
    }

    @Test
    void deletingTheMaterialCancelsTheDeadlineAndEndsTheSaga() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .whenPublishingA(new ImportedKeyMaterialDeleted(KEY_ID, false, REIMPORTED_AT))
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines()
                .expectNoDispatchedCommands();
    }

    @Test
    void deletedMaterialIsNotExpiredAtItsOldValidTo() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .andThenAPublished(new ImportedKeyMaterialDeleted(KEY_ID, false, REIMPORTED_AT))
                .whenTimeAdvancesTo(LATER_VALID_TO)
                .expectNoDispatchedCommands();
    }

    @Test
    void expiryOfTheMaterialEndsTheSaga() throws Exception {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .andThenTimeAdvancesTo(VALID_TO)
                .whenPublishingA(new ImportedKeyMaterialDeleted(KEY_ID, true, WHEN_THE_DEADLINE_FIRES))
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines();
    }

    @Test
    void keysDeletionCancelsTheDeadlineAndEndsTheSaga() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .whenPublishingA(new KeyDeleted(KEY_ID, REIMPORTED_AT))
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines()
                .expectNoDispatchedCommands();
    }

    @Test
    void materialImportedAgainAfterItsDeletionGetsADeadlineOfItsOwn() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .andThenAPublished(new ImportedKeyMaterialDeleted(KEY_ID, false, REIMPORTED_AT))
                .whenPublishingA(imported(KEY_ID, LATER_VALID_TO, REIMPORTED_AT))
                .expectActiveSagas(1)
                .expectScheduledDeadlineWithName(LATER_VALID_TO, MATERIAL_EXPIRED)
                .expectNoScheduledDeadlineWithName(VALID_TO, MATERIAL_EXPIRED);
    }

    @Test
    void anotherKeysEventsLeaveThisDeadline() {
        fixture.givenCurrentTime(IMPORTED_AT)
                .andThenAPublished(IMPORTED)
                .andThenAPublished(new ImportedKeyMaterialDeleted(ANOTHER_KEY_ID, false, REIMPORTED_AT))
                .whenPublishingA(new KeyDeleted(ANOTHER_KEY_ID, REIMPORTED_AT))
                .expectActiveSagas(1)
                .expectScheduledDeadlineWithName(VALID_TO, MATERIAL_EXPIRED);
    }

    private static KeyMaterialImported imported(KeyId keyId, Instant validTo, Instant importedAt) {
        return new KeyMaterialImported(keyId, THE_VERSION, WRAPPED_MATERIAL, FINGERPRINT, validTo, importedAt);
    }
}
