package org.opencmk.kms.command.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.axonframework.test.saga.SagaTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionCancelled;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyState;

/** The end of the pending window (SPEC "Lifecycle rules"; CTyun guide 3.2.7). */
class KeyDeletionSagaTest {

    /** Persisted with every scheduled deadline: renaming it strands the deadlines already stored. */
    private static final String PENDING_WINDOW_ENDED = "pendingWindowEnded";
    private static final String ASSOCIATION = "keyId";

    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyId ANOTHER_KEY_ID = new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");

    private static final Instant SCHEDULED_AT = Instant.parse("2025-03-01T08:00:00Z");
    private static final int PENDING_WINDOW_DAYS = 7;
    private static final Instant DELETION_DATE = SCHEDULED_AT.plus(Duration.ofDays(PENDING_WINDOW_DAYS));
    private static final Instant LATER_DELETION_DATE = DELETION_DATE.plus(Duration.ofDays(3));
    /** What the handlers' clock reads when the deadline fires. */
    private static final Instant WHEN_THE_DEADLINE_FIRES = DELETION_DATE.plusMillis(250);

    private static final KeyDeletionScheduled SCHEDULED =
            new KeyDeletionScheduled(KEY_ID, PENDING_WINDOW_DAYS, DELETION_DATE);
    private static final KeyDeletionCancelled CANCELLED = new KeyDeletionCancelled(KEY_ID, KeyState.Enabled);

    private SagaTestFixture<KeyDeletionSaga> fixture;

    @BeforeEach
    void setUp() {
        fixture = new SagaTestFixture<>(KeyDeletionSaga.class);
        fixture.registerResource(Clock.fixed(WHEN_THE_DEADLINE_FIRES, ZoneOffset.UTC));
    }

    @Test
    void scheduledDeletionSetsADeadlineAtTheDeletionDate() {
        fixture.givenCurrentTime(SCHEDULED_AT)
                .whenPublishingA(SCHEDULED)
                .expectActiveSagas(1)
                .expectAssociationWith(ASSOCIATION, KEY_ID)
                .expectScheduledDeadlineWithName(DELETION_DATE, PENDING_WINDOW_ENDED)
                .expectScheduledDeadline(DELETION_DATE, KEY_ID)
                .expectNoDispatchedCommands();
    }

    @Test
    void endOfThePendingWindowDeletesTheKey() {
        fixture.givenCurrentTime(SCHEDULED_AT)
                .andThenAPublished(SCHEDULED)
                .whenTimeAdvancesTo(DELETION_DATE)
                .expectTriggeredDeadlines(KEY_ID)
                .expectDispatchedCommands(new DeleteKey(KEY_ID, DELETION_DATE, WHEN_THE_DEADLINE_FIRES));
    }

    @Test
    void keyIsNotDeletedBeforeThePendingWindowEnds() {
        fixture.givenCurrentTime(SCHEDULED_AT)
                .andThenAPublished(SCHEDULED)
                .whenTimeAdvancesTo(DELETION_DATE.minusSeconds(1))
                .expectNoDispatchedCommands()
                .expectScheduledDeadlineWithName(DELETION_DATE, PENDING_WINDOW_ENDED);
    }

    @Test
    void cancellingTheDeletionCancelsTheDeadlineAndEndsTheSaga() {
        fixture.givenCurrentTime(SCHEDULED_AT)
                .andThenAPublished(SCHEDULED)
                .whenPublishingA(CANCELLED)
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines()
                .expectNoDispatchedCommands();
    }

    @Test
    void noKeyIsDeletedWhenACancelledPendingWindowEnds() {
        fixture.givenCurrentTime(SCHEDULED_AT)
                .andThenAPublished(SCHEDULED)
                .andThenAPublished(CANCELLED)
                .whenTimeAdvancesTo(LATER_DELETION_DATE)
                .expectNoDispatchedCommands();
    }

    @Test
    void anotherKeysCancellationLeavesThisDeadline() {
        fixture.givenCurrentTime(SCHEDULED_AT)
                .andThenAPublished(SCHEDULED)
                .whenPublishingA(new KeyDeletionCancelled(ANOTHER_KEY_ID, KeyState.Enabled))
                .expectActiveSagas(1)
                .expectScheduledDeadlineWithName(DELETION_DATE, PENDING_WINDOW_ENDED);
    }

    @Test
    void deletionScheduledAgainAfterACancellationGetsADeadlineOfItsOwn() {
        fixture.givenCurrentTime(SCHEDULED_AT)
                .andThenAPublished(SCHEDULED)
                .andThenAPublished(CANCELLED)
                .whenPublishingA(new KeyDeletionScheduled(KEY_ID, PENDING_WINDOW_DAYS + 3, LATER_DELETION_DATE))
                .expectActiveSagas(1)
                .expectScheduledDeadlineWithName(LATER_DELETION_DATE, PENDING_WINDOW_ENDED)
                .expectNoScheduledDeadlineWithName(DELETION_DATE, PENDING_WINDOW_ENDED);
    }

    @Test
    void keysDeletionEndsTheSaga() throws Exception {
        fixture.givenCurrentTime(SCHEDULED_AT)
                .andThenAPublished(SCHEDULED)
                .andThenTimeAdvancesTo(DELETION_DATE)
                .whenPublishingA(new KeyDeleted(KEY_ID, WHEN_THE_DEADLINE_FIRES))
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines();
    }
}
