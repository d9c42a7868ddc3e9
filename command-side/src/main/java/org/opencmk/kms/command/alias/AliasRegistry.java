package org.opencmk.kms.command.alias;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import java.util.List;
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
import org.opencmk.kms.events.AliasRenamed;
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

    /**
     * UpdateAlias, in both its meanings, decided here under the registry's lock so that the
     * choice and the change are one step:
     * <ul>
     *   <li>an alias that exists is re-pointed to the key (CTyun guide 3.2.4; nothing happens if
     *       it already names it);</li>
     *   <li>a name that does not exist, for a key with exactly one alias, renames that alias
     *       (Tencent's UpdateAlias: a Tencent key has at most one alias);</li>
     *   <li>any other new name is refused as an unknown alias, as before.</li>
     * </ul>
     */
    public void update(AliasName alias, KeyId keyId) {
        KeyId named = keyOfAlias.get(alias.value());
        if (named != null) {
            if (!named.equals(keyId)) {
                apply(new AliasUpdated(account, alias, named, keyId));
            }
            return;
        }
        List<AliasName> aliasesOfKey = aliasesOf(keyId);
        if (aliasesOfKey.size() != 1) {
            throw new KmsException(KmsError.ALIAS_NOT_FOUND, "the alias " + alias + " does not exist; a new name"
                    + " renames a key's alias only when the key has exactly one, and this key has " + aliasesOfKey.size());
        }
        apply(new AliasRenamed(account, aliasesOfKey.get(0), alias, keyId));
    }

    public void delete(AliasName alias) {
        apply(new AliasDeleted(account, alias, existing(alias), false));
    }

    /** Deleting a CMK deletes its aliases (SPEC "Alias"). */
    public void deleteAllOf(KeyId keyId) {
        aliasesOf(keyId).forEach(alias -> apply(new AliasDeleted(account, alias, keyId, true)));
    }

    private List<AliasName> aliasesOf(KeyId keyId) {
        return keyOfAlias.entrySet().stream()
                .filter(entry -> entry.getValue().equals(keyId))
                .map(entry -> new AliasName(entry.getKey()))
                .toList();
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
    void on(AliasRenamed event) {
        keyOfAlias.remove(event.previousAlias().value());
        keyOfAlias.put(event.alias().value(), event.keyId());
    }

    @EventSourcingHandler
    void on(AliasDeleted event) {
        keyOfAlias.remove(event.alias().value());
    }
}
