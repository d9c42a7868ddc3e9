package org.opencmk.kms.command.lifecycle;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import java.time.Clock;
import java.time.Instant;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.annotation.DeadlineHandler;
import org.axonframework.modelling.saga.EndSaga;
import org.axonframework.modelling.saga.SagaEventHandler;
import org.axonframework.modelling.saga.StartSaga;
import org.axonframework.spring.stereotype.Saga;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionCancelled;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyId;

/**
 * Owns the end of a CMK's pending window: a persistent deadline at the deletion date that sends
 * {@link DeleteKey}. Cancelling the deletion cancels the deadline; the saga ends with the key's
 * deletion or the cancellation.
 */
@Saga
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class KeyDeletionSaga {

    static final String PENDING_WINDOW_ENDED = "pendingWindowEnded";
    private static final String KEY_ID = "keyId";

    private KeyId keyId;
    private Instant deletionDate;
    private String deadlineId;

    @StartSaga
    @SagaEventHandler(associationProperty = KEY_ID)
    void on(KeyDeletionScheduled event, DeadlineManager deadlineManager) {
        keyId = event.keyId();
        deletionDate = event.deletionDate();
        deadlineId = deadlineManager.schedule(event.deletionDate(), PENDING_WINDOW_ENDED, event.keyId());
    }

    @EndSaga
    @SagaEventHandler(associationProperty = KEY_ID)
    void on(KeyDeletionCancelled event, DeadlineManager deadlineManager) {
        deadlineManager.cancelSchedule(PENDING_WINDOW_ENDED, deadlineId);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = KEY_ID)
    void on(KeyDeleted event) {
        // the deadline has fired; nothing left to own
    }

    @DeadlineHandler(deadlineName = PENDING_WINDOW_ENDED)
    void onPendingWindowEnded(KeyId key, CommandGateway commandGateway, Clock clock) {
        // sendAndWait: a failure propagates, so the persistent deadline is retried
        commandGateway.sendAndWait(new DeleteKey(key, deletionDate, clock.instant()));
    }
}
