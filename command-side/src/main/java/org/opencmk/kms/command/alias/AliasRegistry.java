package org.opencmk.kms.command.alias;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import java.util.Map;
import java.util.TreeMap;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.Repository;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasCreated;
import org.opencmk.kms.events.AliasDeleted;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.AliasUpdated;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;

/**
 * All aliases of one account. One aggregate per account makes "unique within the account" a
 * plain map lookup under the aggregate's optimistic lock, instead of a cross-aggregate
 * uniqueness check.
 */
@org.axonframework.spring.stereotype.Aggregate
public class AliasRegistry {

    @AggregateIdentifier
    private AccountId account;
    private final Map<String, KeyId> keyOfAlias = new TreeMap<>();

    protected AliasRegistry() {
        // for Axon
    }

    private AliasRegistry(AccountId account) {
        this.account = account;
    }

    /** The account's registry; an account that never had an alias gets an empty one. */
    public static Aggregate<AliasRegistry> of(Repository<AliasRegistry> repository, AccountId account) {
        try {
            return repository.loadOrCreate(account.toString(), () -> new AliasRegistry(account));
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the alias registry of account " + account, e);
        }
    }

    public void requireFree(AliasName alias) {
        if (keyOfAlias.containsKey(alias.value())) {
            throw new KmsException(KmsError.ALIAS_ALREADY_EXISTS, "the alias " + alias + " already exists");
        }
    }

    public void create(AliasName alias, KeyId keyId) {
        requireFree(alias);
        apply(new AliasCreated(account, alias, keyId));
    }

    public void repoint(AliasName alias, KeyId keyId) {
        KeyId previous = existing(alias);
        if (!previous.equals(keyId)) {
            apply(new AliasUpdated(account, alias, previous, keyId));
        }
    }

    public void delete(AliasName alias) {
        apply(new AliasDeleted(account, alias, existing(alias), false));
    }

    /** Deleting a CMK deletes its aliases (SPEC "Alias"). */
    public void deleteAllOf(KeyId keyId) {
        keyOfAlias.entrySet().stream()
                .filter(entry -> entry.getValue().equals(keyId))
                .map(entry -> new AliasName(entry.getKey()))
                .toList()
                .forEach(alias -> apply(new AliasDeleted(account, alias, keyId, true)));
    }

    private KeyId existing(AliasName alias) {
        KeyId keyId = keyOfAlias.get(alias.value());
        if (keyId == null) {
            throw new KmsException(KmsError.ALIAS_NOT_FOUND, "the alias " + alias + " does not exist");
        }
        return keyId;
    }

    @EventSourcingHandler
    void on(AliasCreated event) {
        account = event.account();
        keyOfAlias.put(event.alias().value(), event.keyId());
    }

    @EventSourcingHandler
    void on(AliasUpdated event) {
        keyOfAlias.put(event.alias().value(), event.keyId());
    }

    @EventSourcingHandler
    void on(AliasDeleted event) {
        keyOfAlias.remove(event.alias().value());
    }
}
