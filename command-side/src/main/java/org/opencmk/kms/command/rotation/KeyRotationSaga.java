package org.opencmk.kms.command.rotation;

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
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyRotationDisabled;
import org.opencmk.kms.events.KeyRotationEnabled;
import org.opencmk.kms.events.NextKeyRotationScheduled;

/**
 * Scheduled rotation (DESIGN.md "Write path"): {@code KeyRotationEnabled} → deadline → rotate →
 * next deadline, until rotation is disabled or the key deleted. The deadline is persistent
 * (db-scheduler): it survives restarts and fires once across nodes; the aggregate checks the due
 * time it names, so a stale deadline changes nothing.
 */
@Saga
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class KeyRotationSaga {

    static final String ROTATION_DUE = "keyRotationDue";
    private static final String KEY_ID = "keyId";

    private KeyId keyId;
    private Instant dueAt;
    private String deadlineId;

    @StartSaga
    @SagaEventHandler(associationProperty = KEY_ID)
    void on(KeyRotationEnabled event, DeadlineManager deadlineManager) {
        keyId = event.keyId();
        schedule(event.nextRotateTime(), deadlineManager);
    }

    @SagaEventHandler(associationProperty = KEY_ID)
    void on(NextKeyRotationScheduled event, DeadlineManager deadlineManager) {
        schedule(event.nextRotateTime(), deadlineManager);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = KEY_ID)
    void on(KeyRotationDisabled event, DeadlineManager deadlineManager) {
        cancel(deadlineManager);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = KEY_ID)
    void on(KeyDeleted event, DeadlineManager deadlineManager) {
        cancel(deadlineManager);
    }

    @DeadlineHandler(deadlineName = ROTATION_DUE)
    void onRotationDue(KeyId key, CommandGateway commandGateway, Clock clock) {
        // This deadline is running: the next turn's event must not cancel it (db-scheduler may
        // refuse to cancel a task it is executing).
        deadlineId = null;
        // sendAndWait: a failure propagates, so the persistent deadline is retried
        commandGateway.sendAndWait(new RotateKeyOnSchedule(key, dueAt, clock.instant()));
    }

    private void schedule(Instant next, DeadlineManager deadlineManager) {
        cancel(deadlineManager);
        dueAt = next;
        deadlineId = deadlineManager.schedule(next, ROTATION_DUE, keyId);
    }

    private void cancel(DeadlineManager deadlineManager) {
        if (deadlineId != null) {
            deadlineManager.cancelSchedule(ROTATION_DUE, deadlineId);
            deadlineId = null;
        }
    }
}
