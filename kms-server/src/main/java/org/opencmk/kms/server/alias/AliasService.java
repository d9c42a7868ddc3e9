package org.opencmk.kms.server.alias;

import java.util.concurrent.CompletableFuture;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.opencmk.kms.command.alias.CreateAlias;
import org.opencmk.kms.command.alias.DeleteAlias;
import org.opencmk.kms.command.alias.UpdateAlias;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.query.keyview.AliasRecord;
import org.opencmk.kms.query.keyview.Page;
import org.opencmk.kms.query.keyview.KeyView;
import org.opencmk.kms.server.lifecycle.KeyLifecycleService;
import org.springframework.stereotype.Service;

/** Aliases: unique per account, many per key, usable wherever a key id is (CTyun guide 3.2.4). */
@Service
public class AliasService {

    private final CommandGateway commands;
    private final KeyView view;
    private final KeyLifecycleService keys;

    public AliasService(CommandGateway commands, KeyView view, KeyLifecycleService keys) {
        this.commands = commands;
        this.view = view;
        this.keys = keys;
    }

    public static AliasName aliasName(String alias) {
        if (alias == null || alias.isEmpty()) {
            throw new KmsException(KmsError.MISSING_PARAMETER, "Alias is required");
        }
        if (!AliasName.isValid(alias)) {
            throw new KmsException(KmsError.INVALID_ALIAS, "an alias has 1 to " + AliasName.MAX_LENGTH
                    + " letters, digits, '_' and '-', does not start with a digit or 'kms-', and is not a key id");
        }
        return new AliasName(alias);
    }

    public CompletableFuture<AliasRecord> create(AccountId account, String alias, String keyIdOrAlias) {
        AliasName name = aliasName(alias);
        KeyId keyId = keys.find(account, keyIdOrAlias).keyId();
        return commands.send(new CreateAlias(account, name, keyId))
                .thenApply(done -> view.alias(account, name).orElseThrow());
    }

    /**
     * UpdateAlias: re-points an existing alias to the key (CTyun), or renames the key's only alias
     * to a new name (Tencent); the registry decides which. Completes with the key's id.
     */
    public CompletableFuture<KeyId> update(AccountId account, String alias, String keyIdOrAlias) {
        AliasName name = aliasName(alias);
        KeyId keyId = keys.find(account, keyIdOrAlias).keyId();
        return commands.send(new UpdateAlias(account, name, keyId)).thenApply(done -> keyId);
    }

    /** Deletes the alias; completes with the id of the key it named (null if this node did not know it). */
    public CompletableFuture<KeyId> delete(AccountId account, String alias) {
        AliasName name = aliasName(alias);
        KeyId named = view.alias(account, name).map(AliasRecord::keyId).orElse(null);
        return commands.send(new DeleteAlias(account, name)).thenApply(done -> named);
    }

    /** One page of the caller's aliases, in the order they were created. */
    public Page<AliasRecord> list(AccountId account, int offset, int limit) {
        return view.aliases(account, offset, limit);
    }

    /** One page of the aliases of one key, in the order they were created. */
    public Page<AliasRecord> listOfKey(AccountId account, String keyIdOrAlias, int offset, int limit) {
        return view.aliases(account, keys.find(account, keyIdOrAlias).keyId(), offset, limit);
    }
}
