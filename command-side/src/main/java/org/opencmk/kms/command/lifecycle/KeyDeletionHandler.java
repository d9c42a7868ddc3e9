package org.opencmk.kms.command.lifecycle;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.eventsourcing.AggregateDeletedException;
import org.axonframework.modelling.command.Repository;
import org.opencmk.kms.command.alias.AliasRegistry;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.springframework.stereotype.Component;

/**
 * Deletes a CMK whose pending window ended: the key, its aliases, its versions' place in the
 * account's asymmetric quota and its key-encryption key go together, in one transaction. Destroying the key-encryption key is what makes the deletion
 * final: the wrapped material in the (never rewritten) event store can no longer be read.
 */
@Component
public class KeyDeletionHandler {

    private final Repository<Cmk> keys;
    private final Repository<AliasRegistry> aliases;
    private final KeyHierarchy keyHierarchy;
    private final AsymmetricVersionQuota quota;

    public KeyDeletionHandler(Repository<Cmk> keys, Repository<AliasRegistry> aliases, KeyHierarchy keyHierarchy,
            AsymmetricVersionQuota quota) {
        this.keys = keys;
        this.aliases = aliases;
        this.keyHierarchy = keyHierarchy;
        this.quota = quota;
    }

    @CommandHandler
    public void handle(DeleteKey command) {
        Aggregate<Cmk> key;
        try {
            key = keys.load(command.keyId().toString());
        } catch (AggregateDeletedException alreadyDeleted) {
            return; // a deadline delivered twice finds the work done
        }
        if (!key.invoke(cmk -> cmk.delete(command))) {
            return;
        }
        AliasRegistry.of(aliases, key.invoke(Cmk::account)).execute(r -> r.deleteAllOf(command.keyId()));
        quota.release(command.keyId());
        keyHierarchy.destroyKeyEncryptionKey(command.keyId());
    }
}
