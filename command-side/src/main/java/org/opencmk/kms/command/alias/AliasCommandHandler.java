package org.opencmk.kms.command.alias;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.modelling.command.Repository;
import org.opencmk.kms.command.lifecycle.Cmk;
import org.springframework.stereotype.Component;

/** Alias commands: each checks the named CMK belongs to the caller, then asks the registry. */
@Component
public class AliasCommandHandler {

    private final Repository<Cmk> keys;
    private final Repository<AliasRegistry> aliases;

    public AliasCommandHandler(Repository<Cmk> keys, Repository<AliasRegistry> aliases) {
        this.keys = keys;
        this.aliases = aliases;
    }

    @CommandHandler
    public void handle(CreateAlias command) {
        Cmk.requireOwned(keys, command.keyId(), command.account());
        AliasRegistry.of(aliases, command.account()).execute(r -> r.create(command.alias(), command.keyId()));
    }

    @CommandHandler
    public void handle(UpdateAlias command) {
        Cmk.requireOwned(keys, command.keyId(), command.account());
        AliasRegistry.of(aliases, command.account()).execute(r -> r.update(command.alias(), command.keyId()));
    }

    @CommandHandler
    public void handle(DeleteAlias command) {
        AliasRegistry.of(aliases, command.account()).execute(r -> r.delete(command.alias()));
    }
}
