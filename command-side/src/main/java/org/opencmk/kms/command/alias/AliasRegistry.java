package org.opencmk.kms.command.alias;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.Repository;
import org.axonframework.serialization.Revision;
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
 *
 * <p>An account's alias history only grows, so the registry is snapshotted: a command loads the
 * newest snapshot and at most about {@link #SNAPSHOT_AFTER_EVENTS} events after it, never the
 * whole history (issue 17, part 3). The snapshot is this object, serialized by Axon's Jackson
 * serializer as {@code {"account":…,"aliases":{name: keyId, …}}}; its layout is the class's
 * {@link Revision}. Change the fields or their meaning and the revision must change too: Axon then
 * skips the snapshots of the old revision (a {@code RevisionSnapshotFilter}) and replays the
 * events, so an old snapshot is never read into a new layout. Concurrent changes from several
 * nodes are still decided by the event store's optimistic lock; a snapshot is only ever written
 * from committed events, after the command's transaction.
 */
@org.axonframework.spring.stereotype.Aggregate(snapshotTriggerDefinition = AliasRegistry.SNAPSHOT_TRIGGER)
@Revision(AliasRegistry.SNAPSHOT_LAYOUT)
public class AliasRegistry {

    /** The snapshot layout: the two properties below. Bump it with any change to them. */
    public static final String SNAPSHOT_LAYOUT = "1";
    /**
     * Events replayed on top of the newest snapshot before the next one is taken: a load reads
     * the snapshot plus at most this many events, whatever the account's history.
     */
    public static final int SNAPSHOT_AFTER_EVENTS = 100;
    /** Name of the {@code SnapshotTriggerDefinition} bean that kms-server declares for the registry. */
    public static final String SNAPSHOT_TRIGGER = "aliasRegistrySnapshotTrigger";

    @AggregateIdentifier
    @JsonProperty("account")
    private AccountId account;
    /** Alias name to key, sorted so that deleting a key's aliases applies its events in one order. */
    @JsonProperty("aliases")
    private final Map<String, KeyId> keyOfAlias = new TreeMap<>();

    protected AliasRegistry() {
        // for Axon
    }

    private AliasRegistry(AccountId account) {
        this.account = account;
    }

    /** From a snapshot. */
    @JsonCreator
    private AliasRegistry(@JsonProperty("account") AccountId account,
                          @JsonProperty("aliases") Map<String, KeyId> keyOfAlias) {
        this.account = Objects.requireNonNull(account, "account");
        this.keyOfAlias.putAll(Objects.requireNonNull(keyOfAlias, "aliases"));
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
