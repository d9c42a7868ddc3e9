package org.opencmk.kms.command.lifecycle;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.Repository;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.events.KeyVersionId;
import org.springframework.stereotype.Component;

/**
 * CreateKeyVersion: asks the CMK whether it takes a new key pair, counts the version against the
 * account's {@link AsymmetricVersionQuota}, has the key hierarchy make the pair and wrap its private
 * key, and has the CMK record it, in one unit of work and one transaction: a refused or failed
 * command leaves neither a version nor a reservation.
 */
@Component
public class KeyPairVersionHandler {

    private final Repository<Cmk> keys;
    private final KeyHierarchy keyHierarchy;
    private final AsymmetricVersionQuota quota;

    public KeyPairVersionHandler(Repository<Cmk> keys, KeyHierarchy keyHierarchy, AsymmetricVersionQuota quota) {
        this.keys = keys;
        this.keyHierarchy = keyHierarchy;
        this.quota = quota;
    }

    @CommandHandler
    public KeyVersionId handle(CreateKeyVersion command) {
        Aggregate<Cmk> key = keys.load(command.keyId().toString());
        Cmk.KeyPairTarget target = key.invoke(cmk -> cmk.requireVersionable(command.account()));
        quota.reserve(target.account(), command.keyId(), command.versionId());
        KeyHierarchy.NewKeyPair pair = keyHierarchy.generateKeyPair(target.account(), command.keyId(),
                command.versionId(), target.keySpec());
        key.execute(cmk -> cmk.addKeyPair(command.versionId(), pair.privateKey(), pair.publicKey(),
                command.requestedAt()));
        return command.versionId();
    }
}
