package org.opencmk.kms.command.lifecycle;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.Repository;
import org.opencmk.kms.command.alias.AliasRegistry;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.WrappedKeyMaterial;
import org.springframework.stereotype.Component;

/**
 * Creates a CMK with its key-encryption key, its first material (unless the origin is
 * {@link Origin#EXTERNAL}) and its first alias, in one unit of work and one database
 * transaction: a refused alias leaves no key behind, and a failed append leaves no
 * key-encryption key behind.
 */
@Component
public class KeyCreationHandler {

    private final Repository<Cmk> keys;
    private final Repository<AliasRegistry> aliases;
    private final KeyHierarchy keyHierarchy;

    public KeyCreationHandler(Repository<Cmk> keys, Repository<AliasRegistry> aliases, KeyHierarchy keyHierarchy) {
        this.keys = keys;
        this.aliases = aliases;
        this.keyHierarchy = keyHierarchy;
    }

    @CommandHandler
    public void handle(CreateKey command) throws Exception {
        if (!command.keyUsage().isSymmetric()) {
            throw new KmsException(KmsError.UNSUPPORTED_OPERATION,
                    "KeyUsage " + command.keyUsage() + " is not supported yet");
        }
        Aggregate<AliasRegistry> registry = null;
        if (command.alias() != null) {
            registry = AliasRegistry.of(aliases, command.account());
            registry.execute(r -> r.requireFree(command.alias()));
        }
        keyHierarchy.createKeyEncryptionKey(command.account(), command.keyId());
        KeyVersionId firstVersion = null;
        WrappedKeyMaterial material = null;
        if (command.origin() != Origin.EXTERNAL) {
            firstVersion = KeyVersionId.random();
            material = keyHierarchy.generateMaterial(command.account(), command.keyId(), firstVersion, command.keySpec());
        }
        KeyVersionId version = firstVersion;
        WrappedKeyMaterial wrapped = material;
        keys.newInstance(() -> new Cmk(command, version, wrapped));
        if (registry != null) {
            registry.execute(r -> r.create(command.alias(), command.keyId()));
        }
    }
}
