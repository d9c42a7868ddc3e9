package org.opencmk.kms.query.keyview;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
 *
 * <p>The whole content can be rebuilt while the view goes on answering: a {@link #detached}
 * view is filled from the event store, then {@link #takeOver} compares it with this one and
 * installs it in one step. Writes share a lock that only that step takes exclusively, so no event
 * applied meanwhile is lost; reads take no lock and see the old content or the new, never a mix.
 */
public class KeyView {

    /** Reads one aggregate's events from a sequence number on: how a gap is closed. */
    @FunctionalInterface
    public interface EventHistory {
        Stream<? extends DomainEventMessage<?>> read(String aggregateIdentifier, long fromSequenceNumber);
    }

    /** Accepted in a KeyId field before an alias name, as AWS and CTyun spell it. */
    private static final String ALIAS_PREFIX = "alias/";

    /** Taken shared by every write, exclusively by {@link #takeOver}. */
    private final ReentrantReadWriteLock writes = new ReentrantReadWriteLock();
    /** Replaced whole by {@link #takeOver}; each read takes it once. */
    private volatile Content content = new Content();
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
        return find(content, caller, keyId);
    }

    private static Optional<KeyRecord> find(Content content, AccountId caller, KeyId keyId) {
        KeyRecord key = content.keys.get(keyId);
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
        KeyRecord key = content.keys.get(keyId);
        return key == null || key.deleted() ? Optional.empty() : Optional.of(key.account());
    }

    /** The caller's live key named by a key id or by one of the caller's aliases. */
    public Optional<KeyRecord> resolve(AccountId caller, String keyIdOrAlias) {
        if (keyIdOrAlias == null || keyIdOrAlias.isEmpty()) {
            return Optional.empty();
        }
        Content current = content;
        if (KeyId.looksLikeKeyId(keyIdOrAlias)) {
            return find(current, caller, new KeyId(keyIdOrAlias.toLowerCase(Locale.ROOT)));
        }
        String alias = keyIdOrAlias.startsWith(ALIAS_PREFIX) ? keyIdOrAlias.substring(ALIAS_PREFIX.length()) : keyIdOrAlias;
        AccountAliases aliases = current.aliasesByAccount.get(caller);
        AliasRecord record = aliases == null ? null : aliases.byName.get(alias);
        return record == null ? Optional.empty() : find(current, caller, record.keyId());
    }

    /** The caller's live keys, oldest first. */
    public List<KeyRecord> keysOf(AccountId caller) {
        Content current = content;
        Set<KeyId> ids = current.keysByAccount.getOrDefault(caller, Set.of());
        return ids.stream()
                .map(id -> find(current, caller, id))
                .flatMap(Optional::stream)
                .sorted(Comparator.comparing(KeyRecord::createdAt).thenComparing(k -> k.keyId().value()))
                .toList();
    }

    /** The caller's aliases, in the order they were created. */
    public List<AliasRecord> aliasesOf(AccountId caller) {
        AccountAliases aliases = content.aliasesByAccount.get(caller);
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
        AccountAliases aliases = content.aliasesByAccount.get(caller);
        return Optional.ofNullable(aliases == null ? null : aliases.byName.get(alias.value()));
    }

    // ---- writes ------------------------------------------------------------------------------

    /** Applies one event; events already applied are ignored, a gap is filled from history. */
    public void apply(DomainEventMessage<?> message) {
        Lock shared = writes.readLock();
        shared.lock();
        try {
            Object payload = message.getPayload();
            if (payload instanceof AliasCreated || payload instanceof AliasUpdated || payload instanceof AliasRenamed
                    || payload instanceof AliasDeleted) {
                applyAliasEvent(content, message);
            } else if (KeyId.looksLikeKeyId(message.getAggregateIdentifier())) {
                applyKeyEvent(content, message);
            }
        } finally {
            shared.unlock();
        }
    }

    private void applyKeyEvent(Content target, DomainEventMessage<?> message) {
        Map<KeyId, KeyRecord> keys = target.keys;
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
            target.keysByAccount.computeIfAbsent(result.account(), a -> ConcurrentHashMap.newKeySet()).add(keyId);
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

    private void applyAliasEvent(Content target, DomainEventMessage<?> message) {
        AccountId account = accountOf(message.getPayload());
        AccountAliases aliases = target.aliasesByAccount.computeIfAbsent(account, a -> new AccountAliases());
        synchronized (aliases) {
            aliases.aggregateIdentifier = message.getAggregateIdentifier();
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

    // ---- rebuild -----------------------------------------------------------------------------

    /**
     * An empty view over the same history whose changes call none of this view's hooks: what a
     * rebuild fills from the event store. Replaying the history through the live hooks would
     * fetch every key's KEK reference again and, for every key deleted long ago, forget a KEK
     * and evict material once more; the content is what is rebuilt, not the side effects.
     */
    public KeyView detached() {
        return new KeyView(history, keyId -> { }, keyId -> { }, keyId -> { });
    }

    /** How many key records (deleted ones included) the view holds: cheap, for progress lines. */
    public long keyRecords() {
        return content.keys.mappingCount();
    }

    /**
     * Compares a rebuilt view with this one and, if asked, installs its content here, with every
     * write to this view held off meanwhile (reads go on, on the old content, then on the new):
     * <ol>
     *   <li>{@code tail} runs first: it applies to {@code rebuilt} what the event store committed
     *       since the rebuild last read;</li>
     *   <li>then both are brought to the same position, aggregate by aggregate (a key's or alias
     *       registry's last applied sequence number): whichever is behind reads the missing
     *       events from history. This view may lag (another node's events reach it by polling)
     *       and its feeds may be ahead of the rebuild's last read; once every aggregate stands
     *       at the same sequence number, the two must be equal unless a projection is wrong;</li>
     *   <li>then they are compared (see {@link ViewComparison} for what equal means);</li>
     *   <li>with {@code install}, the rebuilt content becomes this view's. No hook runs for what
     *       is equal; for a key that differs, the hooks a feed would have run bring the caches in
     *       line with the installed record (its KEK learnt if it is new here, forgotten if it is
     *       deleted now, its cached material evicted otherwise).</li>
     * </ol>
     * Events committed after the tail was read reach this view through its feeds as usual, and
     * apply to the installed content; an event it already holds is ignored by its sequence number.
     * {@code rebuilt} is empty afterwards if installed, and is not to be used again.
     */
    public ViewComparison takeOver(KeyView rebuilt, Runnable tail, boolean install) {
        if (rebuilt == this) {
            throw new IllegalArgumentException("a view cannot take over its own content");
        }
        Lock exclusive = writes.writeLock();
        exclusive.lock();
        try {
            tail.run();
            align(rebuilt);
            Content before = content;
            Content after = rebuilt.content;
            Differences differences = Differences.between(before, after);
            if (install) {
                for (KeyId keyId : differences.keys) {
                    if (isLive(after.keys.get(keyId)) && !isLive(before.keys.get(keyId))) {
                        onKeyCreated.accept(keyId); // before the key becomes visible, as a feed does
                    }
                }
                content = after;
                rebuilt.content = new Content();
                for (KeyId keyId : differences.keys) {
                    if (!isLive(after.keys.get(keyId)) && isLive(before.keys.get(keyId))) {
                        onKeyDeleted.accept(keyId);
                    } else {
                        onMaterialRemoved.accept(keyId);
                    }
                }
            }
            return differences.summary(after);
        } finally {
            exclusive.unlock();
        }
    }

    private static boolean isLive(KeyRecord key) {
        return key != null && !key.deleted();
    }

    /** Brings this view and the other to the same sequence number of every aggregate either knows. */
    private void align(KeyView other) {
        Map<String, Long> mine = positions(content);
        Map<String, Long> theirs = positions(other.content);
        Set<String> aggregates = new HashSet<>(mine.keySet());
        aggregates.addAll(theirs.keySet());
        for (String aggregate : aggregates) {
            long here = mine.getOrDefault(aggregate, 0L);
            long there = theirs.getOrDefault(aggregate, 0L);
            if (here < there) {
                catchUp(aggregate, here, there);
            } else if (there < here) {
                other.catchUp(aggregate, there, here);
            }
        }
    }

    /** The next sequence number each key and alias registry expects. */
    private static Map<String, Long> positions(Content content) {
        Map<String, Long> positions = new HashMap<>();
        content.keys.forEach((keyId, key) -> positions.put(keyId.value(), key.sequence() + 1));
        for (AccountAliases aliases : content.aliasesByAccount.values()) {
            synchronized (aliases) {
                if (aliases.aggregateIdentifier != null) {
                    positions.put(aliases.aggregateIdentifier, aliases.nextSequence);
                }
            }
        }
        return positions;
    }

    /** Applies the aggregate's events from {@code from} up to, not including, {@code until}. */
    private void catchUp(String aggregateIdentifier, long from, long until) {
        try (Stream<? extends DomainEventMessage<?>> events = history.read(aggregateIdentifier, from)) {
            Iterator<? extends DomainEventMessage<?>> iterator = events.iterator();
            while (iterator.hasNext()) {
                DomainEventMessage<?> event = iterator.next();
                if (event.getSequenceNumber() >= until) {
                    return;
                }
                apply(event);
            }
        }
    }

    /** Where two contents differ, as {@link ViewComparison} defines equality. */
    private static final class Differences {
        private final Set<KeyId> keys = new LinkedHashSet<>();
        private final List<String> listed = new ArrayList<>();
        private long count;

        static Differences between(Content live, Content rebuilt) {
            Differences differences = new Differences();
            for (KeyId keyId : union(live.keys.keySet(), rebuilt.keys.keySet())) {
                String difference = ViewComparison.difference(live.keys.get(keyId), rebuilt.keys.get(keyId));
                if (difference != null) {
                    differences.keys.add(keyId);
                    differences.note("key " + keyId + ": " + difference);
                }
            }
            for (AccountId account : union(live.keysByAccount.keySet(), rebuilt.keysByAccount.keySet())) {
                Set<KeyId> here = live.keysByAccount.getOrDefault(account, Set.of());
                Set<KeyId> there = rebuilt.keysByAccount.getOrDefault(account, Set.of());
                if (!here.equals(there)) {
                    differences.note("account " + account + ": its key index differs");
                }
            }
            for (AccountId account : union(live.aliasesByAccount.keySet(), rebuilt.aliasesByAccount.keySet())) {
                Map<String, AliasRecord> here = aliasesIn(live, account);
                Map<String, AliasRecord> there = aliasesIn(rebuilt, account);
                for (String name : union(here.keySet(), there.keySet())) {
                    String difference = ViewComparison.difference(here.get(name), there.get(name));
                    if (difference != null) {
                        differences.note("alias " + name + " of account " + account + ": " + difference);
                    }
                }
            }
            return differences;
        }

        private static Map<String, AliasRecord> aliasesIn(Content content, AccountId account) {
            AccountAliases aliases = content.aliasesByAccount.get(account);
            return aliases == null ? Map.of() : aliases.byName;
        }

        private static <T> Set<T> union(Set<T> one, Set<T> other) {
            Set<T> all = new LinkedHashSet<>(one);
            all.addAll(other);
            return all;
        }

        private void note(String difference) {
            count++;
            if (listed.size() < ViewComparison.LISTED) {
                listed.add(difference);
            }
        }

        ViewComparison summary(Content rebuilt) {
            long deleted = rebuilt.keys.values().stream().filter(KeyRecord::deleted).count();
            long aliases = rebuilt.aliasesByAccount.values().stream().mapToLong(a -> a.byName.size()).sum();
            return new ViewComparison(rebuilt.keys.size() - deleted, deleted, aliases, count, listed);
        }
    }

    /** The view's maps; replaced together by {@link #takeOver}. */
    private static final class Content {
        private final ConcurrentHashMap<KeyId, KeyRecord> keys = new ConcurrentHashMap<>();
        private final Map<AccountId, Set<KeyId>> keysByAccount = new ConcurrentHashMap<>();
        private final Map<AccountId, AccountAliases> aliasesByAccount = new ConcurrentHashMap<>();
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
        /** The account's alias registry, as the event store names it: where a catch-up reads. */
        private String aggregateIdentifier;

        /**
         * @param eventTimestamp the event's time; only its milliseconds are kept, since only
         *     those are stored (Axon writes the time as ISO-8601 text with three decimals): an alias
         *     applied from this node's feed right after its commit, with the clock's full
         *     precision, then equals the same alias read back from the store by another node, a
         *     restart or a rebuild
         */
        void evolve(Object event, long sequence, Instant eventTimestamp) {
            Instant timestamp = eventTimestamp.truncatedTo(ChronoUnit.MILLIS);
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
