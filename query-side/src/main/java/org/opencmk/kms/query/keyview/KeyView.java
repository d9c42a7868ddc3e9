package org.opencmk.kms.query.keyview;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasCreated;
import org.opencmk.kms.events.AliasDeleted;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.AliasRenamed;
import org.opencmk.kms.events.AliasUpdated;
import org.opencmk.kms.events.ImportedKeyMaterialDeleted;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyMaterialImported;
import org.opencmk.kms.events.KeyRotationDisabled;
import org.opencmk.kms.events.KeyRotationEnabled;
import org.opencmk.kms.events.NextKeyRotationScheduled;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionCancelled;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyDescriptionUpdated;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyEnabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyVersionCreated;

/**
 * Every CMK and alias, in memory, by account. Reads are lock-free; each write replaces one key's
 * {@link KeyRecord} or one account's alias entry under that key's or account's lock.
 *
 * <p>Another account's keys are invisible: every read takes the caller's account and answers as
 * if a key of someone else did not exist.
 */
public class KeyView {

    /** Reads one aggregate's events from a sequence number on: how a gap is closed. */
    @FunctionalInterface
    public interface EventHistory {
        Stream<? extends DomainEventMessage<?>> read(String aggregateIdentifier, long fromSequenceNumber);
    }

    /** Accepted in a KeyId field before an alias name, as AWS and CTyun spell it. */
    private static final String ALIAS_PREFIX = "alias/";

    private final Map<KeyId, KeyRecord> keys = new ConcurrentHashMap<>();
    private final Map<AccountId, Set<KeyId>> keysByAccount = new ConcurrentHashMap<>();
    private final Map<AccountId, AccountAliases> aliasesByAccount = new ConcurrentHashMap<>();
    private final EventHistory history;
    private final Consumer<KeyId> onKeyCreated;
    private final Consumer<KeyId> onMaterialRemoved;
    private final Consumer<KeyId> onKeyDeleted;

    /**
     * @param onKeyDeleted called once a deleted key left the view, e.g. to drop its unwrapped
     *     material from a cache
     */
    public KeyView(EventHistory history, Consumer<KeyId> onKeyDeleted) {
        this(history, keyId -> { }, onKeyDeleted);
    }

    /**
     * @param onKeyCreated called before a new key becomes visible, on the thread that applies its
     *     creation (an event processor's, never a request's), e.g. to have what its use needs
     *     in memory by the time a request can name it
     * @param onKeyDeleted called once a deleted key left the view, e.g. to drop its unwrapped
     *     material from a cache
     */
    public KeyView(EventHistory history, Consumer<KeyId> onKeyCreated, Consumer<KeyId> onKeyDeleted) {
        this(history, onKeyCreated, keyId -> { }, onKeyDeleted);
    }

    /**
     * @param onMaterialRemoved called once imported material was removed (deleted or expired),
     *     e.g. to drop it from a cache of unwrapped material
     */
    public KeyView(EventHistory history, Consumer<KeyId> onKeyCreated, Consumer<KeyId> onMaterialRemoved,
                   Consumer<KeyId> onKeyDeleted) {
        this.history = history;
        this.onKeyCreated = onKeyCreated;
        this.onMaterialRemoved = onMaterialRemoved;
        this.onKeyDeleted = onKeyDeleted;
    }

    // ---- reads -------------------------------------------------------------------------------

    /** The caller's live key with this id. */
    public Optional<KeyRecord> find(AccountId caller, KeyId keyId) {
        KeyRecord key = keys.get(keyId);
        if (key == null || key.deleted() || !key.account().equals(caller)) {
            return Optional.empty();
        }
        return Optional.of(key);
    }

    /**
     * The owner of a live key, for the KMS itself (its start-up, its migrations); never for
     * answering a caller, who must see only its own keys ({@link #find}).
     */
    public Optional<AccountId> ownerOf(KeyId keyId) {
        KeyRecord key = keys.get(keyId);
        return key == null || key.deleted() ? Optional.empty() : Optional.of(key.account());
    }

    /** The caller's live key named by a key id or by one of the caller's aliases. */
    public Optional<KeyRecord> resolve(AccountId caller, String keyIdOrAlias) {
        if (keyIdOrAlias == null || keyIdOrAlias.isEmpty()) {
            return Optional.empty();
        }
        if (KeyId.looksLikeKeyId(keyIdOrAlias)) {
            return find(caller, new KeyId(keyIdOrAlias.toLowerCase(Locale.ROOT)));
        }
        String alias = keyIdOrAlias.startsWith(ALIAS_PREFIX) ? keyIdOrAlias.substring(ALIAS_PREFIX.length()) : keyIdOrAlias;
        AccountAliases aliases = aliasesByAccount.get(caller);
        AliasRecord record = aliases == null ? null : aliases.byName.get(alias);
        return record == null ? Optional.empty() : find(caller, record.keyId());
    }

    /** The caller's live keys, oldest first. */
    public List<KeyRecord> keysOf(AccountId caller) {
        Set<KeyId> ids = keysByAccount.getOrDefault(caller, Set.of());
        return ids.stream()
                .map(id -> find(caller, id))
                .flatMap(Optional::stream)
                .sorted(Comparator.comparing(KeyRecord::createdAt).thenComparing(k -> k.keyId().value()))
                .toList();
    }

    /** The caller's aliases, in the order they were created. */
    public List<AliasRecord> aliasesOf(AccountId caller) {
        AccountAliases aliases = aliasesByAccount.get(caller);
        if (aliases == null) {
            return List.of();
        }
        return aliases.byName.values().stream().sorted(Comparator.comparingLong(AliasRecord::order)).toList();
    }

    /** The caller's aliases that name this key, in the order they were created. */
    public List<AliasRecord> aliasesOf(AccountId caller, KeyId keyId) {
        return aliasesOf(caller).stream().filter(alias -> alias.keyId().equals(keyId)).toList();
    }

    public Optional<AliasRecord> alias(AccountId caller, AliasName alias) {
        AccountAliases aliases = aliasesByAccount.get(caller);
        return Optional.ofNullable(aliases == null ? null : aliases.byName.get(alias.value()));
    }

    // ---- writes ------------------------------------------------------------------------------

    /** Applies one event; events already applied are ignored, a gap is filled from history. */
    public void apply(DomainEventMessage<?> message) {
        Object payload = message.getPayload();
        if (payload instanceof AliasCreated || payload instanceof AliasUpdated || payload instanceof AliasRenamed
                || payload instanceof AliasDeleted) {
            applyAliasEvent(message);
        } else if (KeyId.looksLikeKeyId(message.getAggregateIdentifier())) {
            applyKeyEvent(message);
        }
    }

    private void applyKeyEvent(DomainEventMessage<?> message) {
        KeyId keyId = new KeyId(message.getAggregateIdentifier());
        if (!keys.containsKey(keyId)) {
            onKeyCreated.accept(keyId);
        }
        boolean[] deletedNow = {false};
        // set only when a removal is applied now: a duplicate delivery is not reported again, and a
        // removal folded in from a gap is reported when it is applied
        boolean[] materialRemovedNow = {false};
        KeyRecord result = keys.compute(keyId, (id, current) -> {
            long next = current == null ? 0 : current.sequence() + 1;
            long sequence = message.getSequenceNumber();
            if (sequence < next) {
                return current;
            }
            KeyRecord updated = current;
            if (sequence > next) {
                updated = fold(updated, history.read(id.value(), next), materialRemovedNow);
            } else {
                updated = evolve(updated, message.getPayload(), sequence, message.getTimestamp());
                materialRemovedNow[0] = message.getPayload() instanceof ImportedKeyMaterialDeleted;
            }
            deletedNow[0] = updated != null && updated.deleted() && (current == null || !current.deleted());
            return updated;
        });
        if (result != null) {
            keysByAccount.computeIfAbsent(result.account(), a -> ConcurrentHashMap.newKeySet()).add(keyId);
        }
        if (materialRemovedNow[0]) {
            onMaterialRemoved.accept(keyId);
        }
        if (deletedNow[0]) {
            onKeyDeleted.accept(keyId);
        }
    }

    private static KeyRecord fold(KeyRecord start, Stream<? extends DomainEventMessage<?>> events,
                                  boolean[] materialRemoved) {
        KeyRecord record = start;
        try (events) {
            java.util.Iterator<? extends DomainEventMessage<?>> iterator = events.iterator();
            while (iterator.hasNext()) {
                DomainEventMessage<?> event = iterator.next();
                record = evolve(record, event.getPayload(), event.getSequenceNumber(), event.getTimestamp());
                materialRemoved[0] |= event.getPayload() instanceof ImportedKeyMaterialDeleted;
            }
        }
        return record;
    }

    static KeyRecord evolve(KeyRecord current, Object event, long sequence, Instant timestamp) {
        if (event instanceof KeyCreated created) {
            return new KeyRecord(created.keyId(), created.account(), created.keySpec(), created.keyUsage(),
                    created.origin(), created.protectionLevel(), created.description(), created.initialState(),
                    created.createdAt(), null, List.of(), null, null, Rotation.NONE, false, sequence);
        }
        if (current == null) {
            throw new IllegalStateException("an event of key history arrived before the key's creation");
        }
        if (event instanceof KeyVersionCreated version) {
            return current.withVersion(new KeyVersion(version.versionId(), version.material(), version.createdAt(),
                    version.publicKey()),
                    version.primary(), sequence);
        }
        if (event instanceof KeyMaterialImported imported) {
            return current.withImportedMaterial(new KeyVersion(imported.versionId(), imported.material(),
                    imported.importedAt()), imported.validTo(), sequence);
        }
        if (event instanceof ImportedKeyMaterialDeleted) {
            return current.withoutImportedMaterial(sequence);
        }
        if (event instanceof KeyRotationEnabled enabled) {
            return current.withRotation(new Rotation(true, enabled.rotateDays(), enabled.nextRotateTime(),
                    current.rotation().lastRotateTime()), sequence);
        }
        if (event instanceof KeyRotationDisabled) {
            Rotation was = current.rotation();
            return current.withRotation(new Rotation(false, was.rotateDays(), null, was.lastRotateTime()), sequence);
        }
        if (event instanceof NextKeyRotationScheduled next) {
            Rotation was = current.rotation();
            return current.withRotation(new Rotation(was.enabled(), was.rotateDays(), next.nextRotateTime(),
                    was.lastRotateTime()), sequence);
        }
        if (event instanceof KeyDescriptionUpdated updated) {
            return current.withDescription(updated.description(), sequence);
        }
        if (event instanceof KeyEnabled) {
            return current.withState(KeyState.Enabled, null, sequence);
        }
        if (event instanceof KeyDisabled) {
            return current.withState(KeyState.Disabled, null, sequence);
        }
        if (event instanceof KeyDeletionScheduled scheduled) {
            return current.withState(KeyState.PendingDelete, scheduled.deletionDate(), sequence);
        }
        if (event instanceof KeyDeletionCancelled cancelled) {
            return current.withState(cancelled.restoredState(), null, sequence);
        }
        if (event instanceof KeyDeleted) {
            return current.asDeleted(sequence);
        }
        return current.withSequence(sequence); // an event this version of the view does not read
    }

    private void applyAliasEvent(DomainEventMessage<?> message) {
        AccountId account = accountOf(message.getPayload());
        AccountAliases aliases = aliasesByAccount.computeIfAbsent(account, a -> new AccountAliases());
        synchronized (aliases) {
            long sequence = message.getSequenceNumber();
            if (sequence < aliases.nextSequence) {
                return;
            }
            if (sequence > aliases.nextSequence) {
                try (Stream<? extends DomainEventMessage<?>> missing =
                             history.read(message.getAggregateIdentifier(), aliases.nextSequence)) {
                    missing.forEach(event -> aliases.evolve(event.getPayload(), event.getSequenceNumber(),
                            event.getTimestamp()));
                }
            } else {
                aliases.evolve(message.getPayload(), sequence, message.getTimestamp());
            }
        }
    }

    private static AccountId accountOf(Object aliasEvent) {
        if (aliasEvent instanceof AliasCreated created) {
            return created.account();
        }
        if (aliasEvent instanceof AliasUpdated updated) {
            return updated.account();
        }
        if (aliasEvent instanceof AliasRenamed renamed) {
            return renamed.account();
        }
        return ((AliasDeleted) aliasEvent).account();
    }

    /** One account's aliases; written under its own monitor, read without one. */
    private static final class AccountAliases {
        private final Map<String, AliasRecord> byName = new ConcurrentHashMap<>();
        private long nextSequence;

        void evolve(Object event, long sequence, Instant timestamp) {
            if (event instanceof AliasCreated created) {
                byName.put(created.alias().value(), new AliasRecord(created.alias(), created.keyId(), timestamp, sequence));
            } else if (event instanceof AliasUpdated updated) {
                byName.computeIfPresent(updated.alias().value(),
                        (name, old) -> new AliasRecord(old.alias(), updated.keyId(), old.createdAt(), old.order()));
            } else if (event instanceof AliasRenamed renamed) {
                // the new name first: a reader meanwhile finds the key by either name, never by none
                AliasRecord old = byName.get(renamed.previousAlias().value());
                byName.put(renamed.alias().value(), old == null
                        ? new AliasRecord(renamed.alias(), renamed.keyId(), timestamp, sequence)
                        : new AliasRecord(renamed.alias(), renamed.keyId(), old.createdAt(), old.order()));
                byName.remove(renamed.previousAlias().value());
            } else if (event instanceof AliasDeleted deleted) {
                byName.remove(deleted.alias().value());
            }
            nextSequence = sequence + 1;
        }
    }
}
