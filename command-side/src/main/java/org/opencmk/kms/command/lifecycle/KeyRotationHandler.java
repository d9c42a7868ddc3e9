package org.opencmk.kms.command.lifecycle;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.AggregateDeletedException;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.Repository;
import org.opencmk.kms.command.rotation.RotateKey;
import org.opencmk.kms.command.rotation.RotateKeyOnSchedule;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.WrappedKeyMaterial;
import org.springframework.stereotype.Component;

/**
 * Rotation needs fresh material, which the aggregate cannot make (it only records wrapped
 * material): this handler asks the CMK whether it may rotate, has the key hierarchy make and wrap
 * the new version's material, and has the CMK record it, in one unit of work.
 */
@Component
public class KeyRotationHandler {

    private final Repository<Cmk> keys;
    private final KeyHierarchy keyHierarchy;

    public KeyRotationHandler(Repository<Cmk> keys, KeyHierarchy keyHierarchy) {
        this.keys = keys;
        this.keyHierarchy = keyHierarchy;
    }

    /** On demand: a new primary version now. */
    @CommandHandler
    public KeyVersionId handle(RotateKey command) {
        Aggregate<Cmk> key = keys.load(command.keyId().toString());
        Cmk.RotationTarget target = key.invoke(cmk -> cmk.requireRotatable(command.account()));
        WrappedKeyMaterial material = keyHierarchy.generateMaterial(target.account(), command.keyId(),
                command.versionId(), target.keySpec());
        key.execute(cmk -> cmk.rotate(command.versionId(), material, command.requestedAt()));
        return command.versionId();
    }

    /**
     * On schedule: rotates if the key is Enabled (a Disabled key, or one pending deletion or
     * import, skips this turn), then schedules the next turn. A stale or repeated deadline finds
     * the turn already taken and does nothing.
     */
    @CommandHandler
    public void handle(RotateKeyOnSchedule command) {
        Aggregate<Cmk> key;
        try {
            key = keys.load(command.keyId().toString());
        } catch (AggregateDeletedException deleted) {
            return;
        }
        if (!key.invoke(cmk -> cmk.scheduledRotationDue(command))) {
            return;
        }
        boolean rotate = key.invoke(Cmk::rotatesOnSchedule);
        if (rotate) {
            KeyVersionId versionId = KeyVersionId.random();
            Cmk.RotationTarget target = key.invoke(Cmk::rotationTarget);
            WrappedKeyMaterial material = keyHierarchy.generateMaterial(target.account(), command.keyId(), versionId,
                    target.keySpec());
            key.execute(cmk -> cmk.rotate(versionId, material, command.requestedAt()));
        }
        key.execute(cmk -> cmk.advanceRotationSchedule(rotate, command.dueAt(), command.requestedAt()));
    }
}
