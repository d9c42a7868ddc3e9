package org.opencmk.kms.command.material;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import java.time.Clock;
import java.time.Instant;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.deadline.DeadlineManager;
import org.axonframework.deadline.annotation.DeadlineHandler;
import org.axonframework.modelling.saga.EndSaga;
import org.axonframework.modelling.saga.SagaEventHandler;
import org.axonframework.modelling.saga.SagaLifecycle;
import org.axonframework.modelling.saga.StartSaga;
import org.axonframework.spring.stereotype.Saga;
import org.opencmk.kms.events.ImportedKeyMaterialDeleted;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyMaterialImported;

/**
 * Imported material expires at its ValidTo (seed 000, step 4; DESIGN.md "Write path"): an import
 * with a ValidTo schedules a persistent deadline; a re-import moves it or, with no ValidTo,
 * clears it; deleting the material or the CMK ends the saga. ValidTo is an absolute time, so
 * {@code KMS_DAY_LENGTH} does not touch it. The deadline fires once across nodes (db-scheduler),
 * and every node sees the resulting event.
 */
@Saga
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
public class ImportedMaterialExpirySaga {

    static final String MATERIAL_EXPIRED = "importedMaterialExpired";
    private static final String KEY_ID = "keyId";

    private KeyId keyId;
    private Instant validTo;
    private String deadlineId;

    @StartSaga
    @SagaEventHandler(associationProperty = KEY_ID)
    void on(KeyMaterialImported event, DeadlineManager deadlineManager) {
        keyId = event.keyId();
        cancel(deadlineManager);
        validTo = event.validTo();
        if (validTo == null) {
            SagaLifecycle.end();
            return;
        }
        deadlineId = deadlineManager.schedule(validTo, MATERIAL_EXPIRED, keyId);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = KEY_ID)
    void on(ImportedKeyMaterialDeleted event, DeadlineManager deadlineManager) {
        cancel(deadlineManager);
    }

    @EndSaga
    @SagaEventHandler(associationProperty = KEY_ID)
    void on(KeyDeleted event, DeadlineManager deadlineManager) {
        cancel(deadlineManager);
    }

    @DeadlineHandler(deadlineName = MATERIAL_EXPIRED)
    void onMaterialExpired(KeyId key, CommandGateway commandGateway, Clock clock) {
        // This deadline is running: the expiry's event must not cancel it (db-scheduler may
        // refuse to cancel a task it is executing).
        deadlineId = null;
        // sendAndWait: a failure propagates, so the persistent deadline is retried
        commandGateway.sendAndWait(new ExpireImportedKeyMaterial(key, validTo, clock.instant()));
    }

    private void cancel(DeadlineManager deadlineManager) {
        if (deadlineId != null) {
            deadlineManager.cancelSchedule(MATERIAL_EXPIRED, deadlineId);
            deadlineId = null;
        }
    }
}
