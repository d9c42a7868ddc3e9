package org.opencmk.kms.command.rotation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.axonframework.test.saga.SagaTestFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyRotationDisabled;
import org.opencmk.kms.events.KeyRotationEnabled;
import org.opencmk.kms.events.NextKeyRotationScheduled;

/** The rotation schedule's deadline (CTyun guide 3.2.6): one at a time, owned and cancelled by the saga. */
class KeyRotationSagaTest {

    /** Persisted with every scheduled deadline: renaming it strands the deadlines already stored. */
    private static final String ROTATION_DUE = "keyRotationDue";
    private static final String ASSOCIATION = "keyId";

    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyId ANOTHER_KEY_ID = new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");

    private static final Instant ENABLED_AT = Instant.parse("2025-03-01T08:00:00Z");
    private static final int ROTATE_DAYS = 30;
    private static final Duration PERIOD = Duration.ofDays(ROTATE_DAYS);
    private static final Instant DUE = ENABLED_AT.plus(PERIOD);
    private static final Instant FOLLOWING_DUE = DUE.plus(PERIOD);
    /** How late the deadline manager may run a deadline (a restart, a busy poller). */
    private static final Duration LATENESS = Duration.ofSeconds(2);

    private static final KeyRotationEnabled ENABLED = new KeyRotationEnabled(KEY_ID, ROTATE_DAYS, PERIOD, DUE);
    private static final NextKeyRotationScheduled ROTATED = new NextKeyRotationScheduled(KEY_ID, true, FOLLOWING_DUE);

    private SagaTestFixture<KeyRotationSaga> fixture;

    @BeforeEach
    void setUp() {
        fixture = new SagaTestFixture<>(KeyRotationSaga.class);
        fixture.registerResource(new FixtureClock());
    }

    @Test
    void enablingRotationSetsADeadlineAtTheFirstTurn() {
        fixture.givenCurrentTime(ENABLED_AT)
                .whenPublishingA(ENABLED)
                .expectActiveSagas(1)
                .expectAssociationWith(ASSOCIATION, KEY_ID)
                .expectScheduledDeadlineWithName(DUE, ROTATION_DUE)
                .expectScheduledDeadline(DUE, KEY_ID)
                .expectNoDispatchedCommands();
    }

    @Test
    void dueTurnAsksTheKeyToRotateNamingTheTurnAndTheTimeItCame() {
        Instant firedAt = DUE.plus(LATENESS);
        fixture.givenCurrentTime(ENABLED_AT)
                .andThenAPublished(ENABLED)
                .whenTimeAdvancesTo(firedAt)
                .expectTriggeredDeadlinesWithName(ROTATION_DUE)
                .expectDispatchedCommands(new RotateKeyOnSchedule(KEY_ID, DUE, firedAt));
    }

    @Test
    void nothingRotatesBeforeTheTurnIsDue() {
        fixture.givenCurrentTime(ENABLED_AT)
                .andThenAPublished(ENABLED)
                .whenTimeAdvancesTo(DUE.minusSeconds(1))
                .expectNoDispatchedCommands()
                .expectScheduledDeadlineWithName(DUE, ROTATION_DUE);
    }

    @Test
    void nextTurnScheduledReplacesTheDeadline() {
        fixture.givenCurrentTime(ENABLED_AT)
                .andThenAPublished(ENABLED)
                .whenPublishingA(ROTATED)
                .expectActiveSagas(1)
                .expectScheduledDeadlineWithName(FOLLOWING_DUE, ROTATION_DUE)
                .expectNoScheduledDeadlineWithName(DUE, ROTATION_DUE)
                .expectNoDispatchedCommands();
    }

    @Test
    void followingTurnAsksForTheRotationDueThen() throws Exception {
        Instant firedAt = FOLLOWING_DUE.plus(LATENESS);
        fixture.givenCurrentTime(ENABLED_AT)
                .andThenAPublished(ENABLED)
                .andThenTimeAdvancesTo(DUE)
                .andThenAPublished(ROTATED)
                .whenTimeAdvancesTo(firedAt)
                // the fixture counts the first turn's deadline, triggered in the given phase, too
                .expectTriggeredDeadlinesWithName(ROTATION_DUE, ROTATION_DUE)
                .expectDispatchedCommands(new RotateKeyOnSchedule(KEY_ID, FOLLOWING_DUE, firedAt));
    }

    @Test
    void disablingRotationCancelsTheDeadlineAndEndsTheSaga() {
        fixture.givenCurrentTime(ENABLED_AT)
                .andThenAPublished(ENABLED)
                .whenPublishingA(new KeyRotationDisabled(KEY_ID))
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines()
                .expectNoDispatchedCommands();
    }

    @Test
    void nothingRotatesOnceRotationWasDisabled() throws Exception {
        fixture.givenCurrentTime(ENABLED_AT)
                .andThenAPublished(ENABLED)
                .andThenAPublished(new KeyRotationDisabled(KEY_ID))
                .whenTimeAdvancesTo(FOLLOWING_DUE)
                .expectNoDispatchedCommands();
    }

    @Test
    void keysDeletionCancelsTheDeadlineAndEndsTheSaga() {
        fixture.givenCurrentTime(ENABLED_AT)
                .andThenAPublished(ENABLED)
                .whenPublishingA(new KeyDeleted(KEY_ID, DUE.minus(Duration.ofDays(1))))
                .expectActiveSagas(0)
                .expectNoScheduledDeadlines()
                .expectNoDispatchedCommands();
    }

    @Test
    void enablingAgainReplacesTheDeadline() {
        Instant reenabledAt = ENABLED_AT.plus(Duration.ofDays(2));
        Duration longerPeriod = Duration.ofDays(90);
        Instant newDue = reenabledAt.plus(longerPeriod);
        fixture.givenCurrentTime(ENABLED_AT)
                .andThenAPublished(ENABLED)
                .whenPublishingA(new KeyRotationEnabled(KEY_ID, 90, longerPeriod, newDue))
                .expectActiveSagas(1)
                .expectScheduledDeadlineWithName(newDue, ROTATION_DUE)
                .expectNoScheduledDeadlineWithName(DUE, ROTATION_DUE);
    }

    @Test
    void enablingAgainAfterDisablingStartsAFreshSchedule() throws Exception {
        Instant reenabledAt = ENABLED_AT.plus(Duration.ofDays(2));
        Instant newDue = reenabledAt.plus(PERIOD);
        fixture.givenCurrentTime(ENABLED_AT)
                .andThenAPublished(ENABLED)
                .andThenAPublished(new KeyRotationDisabled(KEY_ID))
                .andThenTimeAdvancesTo(reenabledAt)
                .andThenAPublished(new KeyRotationEnabled(KEY_ID, ROTATE_DAYS, PERIOD, newDue))
                .whenTimeAdvancesTo(newDue)
                .expectActiveSagas(1)
                .expectDispatchedCommands(new RotateKeyOnSchedule(KEY_ID, newDue, newDue));
    }

    @Test
    void anotherKeysEventsLeaveThisSchedule() {
        fixture.givenCurrentTime(ENABLED_AT)
                .andThenAPublished(ENABLED)
                .whenPublishingA(new KeyRotationDisabled(ANOTHER_KEY_ID))
                .expectActiveSagas(1)
                .expectScheduledDeadlineWithName(DUE, ROTATION_DUE);
    }

    /** The handlers' clock reads the fixture's time, so a command carries the time its deadline ran. */
    private final class FixtureClock extends Clock {

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return fixture.currentTime();
        }
    }
}
