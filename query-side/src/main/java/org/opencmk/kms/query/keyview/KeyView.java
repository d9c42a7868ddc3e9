package org.opencmk.kms.query.keyview;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
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
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionCancelled;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyDescriptionUpdated;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyEnabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyMaterialImported;
import org.opencmk.kms.events.KeyRotationDisabled;
import org.opencmk.kms.events.KeyRotationEnabled;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.NextKeyRotationScheduled;
import org.opencmk.kms.events.Origin;

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

    /**
     * The view's own instance of a key id it knows (live or deleted), else the one given: what a
     * cache keyed by key ids holds, so that a million keys do not carry two copies of each id.
     */
    public KeyId canonical(KeyId keyId) {
        KeyRecord key = content.keys.get(keyId);
        return key == null ? keyId : key.keyId();
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

    /** The caller's live keys, oldest first: every one of them, for tests and small accounts. */
    public List<KeyRecord> keysOf(AccountId caller) {
        return keys(caller, KeyFilter.ALL_OLDEST_FIRST, 0, Integer.MAX_VALUE).items();
    }

    /**
     * One page of the caller's live keys that match the filter, in its order of creation, and how
     * many match in all. Without an alias search it costs O(offset + limit), whatever the size of
     * the account: each account's live keys are indexed by (state, origin, usage), each index in
     * the order of creation, and counted; the page is a merge of the indexes the filter selects.
     * An alias search ({@link KeyFilter#aliasContains}) is a substring match, which no ordered
     * index serves: it reads the account's aliases (not its keys), then sorts the keys they name.
     *
     * <p>A key is never listed twice. An unfiltered listing reads one index that only creations
     * and deletions change, so a page misses no key that lives throughout its reading; a key
     * whose state changes while a filtered page is read may be missing from that page (it is
     * between two indexes, as it is between two states).
     */
    public Page<KeyRecord> keys(AccountId caller, KeyFilter filter, int offset, int limit) {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must not be negative");
        }
        Content current = content;
        AccountKeys account = current.keysByAccount.get(caller);
        if (account == null) {
            return new Page<>(List.of(), 0);
        }
        if (filter.searchesAliases()) {
            return searched(current, caller, filter, offset, limit);
        }
        List<ConcurrentSkipListSet<Listed>> indexes = new ArrayList<>();
        long total = 0;
        for (Map.Entry<Facet, Bucket> entry : account.buckets.entrySet()) {
            Facet facet = entry.getKey();
            if (filter.matches(facet.state(), facet.origin(), facet.usage())) {
                indexes.add(entry.getValue().keys);
                total += entry.getValue().count.get();
            }
        }
        if (filter.matchesAll()) {
            indexes = List.of(account.live);
        }
        List<KeyRecord> items = new ArrayList<>(Math.min(limit, 128));
        Iterator<Listed> merged = Listed.merge(indexes, filter.newestFirst());
        int skipped = 0;
        while (items.size() < limit && merged.hasNext()) {
            KeyRecord key = current.keys.get(merged.next().keyId());
            if (!isLive(key) || !filter.matches(key.state(), key.origin(), key.keyUsage())) {
                continue; // changed since the index was read: its new entry is where it belongs now
            }
            if (skipped < offset) {
                skipped++;
            } else {
                items.add(key);
            }
        }
        return new Page<>(items, Math.max(total, (long) skipped + items.size()));
    }

    private static Page<KeyRecord> searched(Content current, AccountId caller, KeyFilter filter, int offset, int limit) {
        AccountAliases aliases = current.aliasesByAccount.get(caller);
        if (aliases == null) {
            return new Page<>(List.of(), 0);
        }
        Set<KeyId> named = new HashSet<>();
        for (AliasRecord alias : aliases.byName.values()) {
            if (alias.alias().value().contains(filter.aliasContains())) {
                named.add(alias.keyId());
            }
        }
        Comparator<KeyRecord> byCreation = Comparator.comparing(KeyRecord::createdAt).thenComparing(k -> k.keyId().value());
        List<KeyRecord> matching = named.stream()
                .map(id -> find(current, caller, id))
                .flatMap(Optional::stream)
                .filter(key -> filter.matches(key.state(), key.origin(), key.keyUsage()))
                .sorted(filter.newestFirst() ? byCreation.reversed() : byCreation)
                .toList();
        return Page.of(matching, offset, limit);
    }

    /** How many live keys the caller has: a sum of a few counters. */
    public long keyCount(AccountId caller) {
        AccountKeys account = content.keysByAccount.get(caller);
        return account == null ? 0 : account.buckets.values().stream().mapToLong(bucket -> bucket.count.get()).sum();
    }

    /** The caller's aliases, in the order they were created. */
    public List<AliasRecord> aliasesOf(AccountId caller) {
        return aliases(caller, 0, Integer.MAX_VALUE).items();
    }

    /** One page of the caller's aliases, in the order they were created: O(offset + limit). */
    public Page<AliasRecord> aliases(AccountId caller, int offset, int limit) {
        AccountAliases aliases = content.aliasesByAccount.get(caller);
        return aliases == null ? new Page<>(List.of(), 0) : page(aliases.byOrder.values(), aliases.byName.size(), offset, limit);
    }

    /** The caller's aliases that name this key, in the order they were created. */
    public List<AliasRecord> aliasesOf(AccountId caller, KeyId keyId) {
        return aliases(caller, keyId, 0, Integer.MAX_VALUE).items();
    }

    /** One page of the caller's aliases that name this key, in the order they were created. */
    public Page<AliasRecord> aliases(AccountId caller, KeyId keyId, int offset, int limit) {
        AccountAliases aliases = content.aliasesByAccount.get(caller);
        Map<Long, AliasRecord> ofKey = aliases == null ? null : aliases.byKey.get(keyId);
        return ofKey == null ? new Page<>(List.of(), 0) : page(ofKey.values(), ofKey.size(), offset, limit);
    }

    private static <T> Page<T> page(Collection<T> ordered, long total, int offset, int limit) {
        if (offset < 0 || limit < 0) {
            throw new IllegalArgumentException("offset and limit must not be negative");
        }
        List<T> items = new ArrayList<>(Math.min(limit, 128));
        Iterator<T> iterator = ordered.iterator();
        for (int skipped = 0; skipped < offset && iterator.hasNext(); skipped++) {
            iterator.next();
        }
        while (items.size() < limit && iterator.hasNext()) {
            items.add(iterator.next());
        }
        return new Page<>(items, total);
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
        KeyId keyId = keyIdOf(keys, message);
        if (!keys.containsKey(keyId)) {
            onKeyCreated.accept(keyId);
        }
        boolean[] deletedNow = {false};
        // set only when a removal is applied now: a duplicate delivery is not reported again, and a
        // removal folded in from a gap is reported when it is applied
        boolean[] materialRemovedNow = {false};
        keys.compute(keyId, (id, current) -> {
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
            if (current == null && updated != null) {
                updated = target.shared(updated);
            }
            deletedNow[0] = updated != null && updated.deleted() && (current == null || !current.deleted());
            target.index(current, updated); // under the key's lock, so one key's changes are indexed in order
            return updated;
        });
        if (materialRemovedNow[0]) {
            onMaterialRemoved.accept(keyId);
        }
        if (deletedNow[0]) {
            onKeyDeleted.accept(keyId);
        }
    }

    /**
     * The key id an event names, as one instance per key: the one the view holds already, else
     * the creation's own (a view of a million keys holds each id once).
     */
    private static KeyId keyIdOf(Map<KeyId, KeyRecord> keys, DomainEventMessage<?> message) {
        KeyId named = new KeyId(message.getAggregateIdentifier());
        KeyRecord known = keys.get(named);
        if (known != null) {
            return known.keyId();
        }
        return message.getPayload() instanceof KeyCreated created && created.keyId().equals(named) ? created.keyId() : named;
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
            // the first version is made with the key: one instant for both
            Instant createdAt = Objects.equals(version.createdAt(), current.createdAt()) ? current.createdAt() : version.createdAt();
            return current.withVersion(new KeyVersion(version.versionId(), version.material(), createdAt,
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

    // ---- snapshots ---------------------------------------------------------------------------

    /** The name of the layout {@link #writeSnapshot} writes and {@link #restoreSnapshot} reads. */
    public static final String SNAPSHOT_LAYOUT = SnapshotFormat.LAYOUT;

    /** What a snapshot held: its keys (deleted ones included) and aliases. */
    public record SnapshotContent(long keys, long aliases) {
    }

    /**
     * Writes every key (deleted ones included) and alias of this view, with each aggregate's
     * position, while the view goes on answering and changing.
     *
     * <p>The copy is not taken at one instant, and need not be: each record is at least as new as
     * the moment the copy began. A snapshot is therefore labelled with a position of the event
     * stream that this view had fully applied <em>before</em> the copy began; restoring it and
     * applying the events after that position again changes nothing that is already in it,
     * since a record ignores an event below its sequence number.
     */
    public SnapshotContent writeSnapshot(OutputStream destination) throws IOException {
        Content current = content;
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(destination, 1 << 16));
        SnapshotFormat.writeHeader(out);
        long keys = 0;
        for (KeyRecord key : current.keys.values()) {
            SnapshotFormat.writeMore(out);
            SnapshotFormat.writeKey(out, key);
            keys++;
        }
        SnapshotFormat.writeDone(out);
        long aliasCount = 0;
        for (Map.Entry<AccountId, AccountAliases> entry : current.aliasesByAccount.entrySet()) {
            AccountAliases aliases = entry.getValue();
            List<AliasRecord> records;
            long nextSequence;
            String registry;
            synchronized (aliases) {
                records = new ArrayList<>(aliases.byOrder.values());
                nextSequence = aliases.nextSequence;
                registry = aliases.aggregateIdentifier;
            }
            SnapshotFormat.writeMore(out);
            out.writeLong(entry.getKey().value());
            SnapshotFormat.writeString(out, registry);
            out.writeLong(nextSequence);
            out.writeInt(records.size());
            for (AliasRecord alias : records) {
                SnapshotFormat.writeAlias(out, alias);
            }
            aliasCount += records.size();
        }
        SnapshotFormat.writeDone(out);
        SnapshotFormat.writeTrailer(out, keys, aliasCount);
        out.flush();
        return new SnapshotContent(keys, aliasCount);
    }

    /** The caller's last word on a snapshot read in full, before it is installed. */
    @FunctionalInterface
    public interface SnapshotCheck {
        void verify() throws SnapshotRejectedException;
    }

    /**
     * Replaces this view's content with a snapshot's, without running any hook: for the start,
     * before events are applied. Nothing changes unless the whole snapshot reads well (its layout,
     * every field, its closing counts) and {@code check}, run once every byte was read (a digest,
     * say), passes.
     */
    public SnapshotContent restoreSnapshot(InputStream source, SnapshotCheck check) throws SnapshotRejectedException {
        Content restored = new Content();
        long aliasCount = 0;
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(source, 1 << 16));
            SnapshotFormat.readHeader(in);
            List<KeyRecord> live = new ArrayList<>();
            while (SnapshotFormat.readMore(in)) {
                KeyRecord key = restored.shared(SnapshotFormat.readKey(in));
                if (restored.keys.putIfAbsent(key.keyId(), key) != null) {
                    throw new SnapshotRejectedException("a key appears twice");
                }
                if (isLive(key)) {
                    live.add(key);
                }
            }
            // Indexed in the listings' order, so that each index grows at its end, along a path that
            // stays in the cache; in the snapshot's order (a hash map's) most of a start went into
            // walking cold paths of the indexes.
            live.sort((one, other) -> Listed.compare(one.createdAt(), one.keyId(), other.createdAt(), other.keyId()));
            live.forEach(key -> restored.index(null, key));
            while (SnapshotFormat.readMore(in)) {
                AccountId account = new AccountId(in.readLong());
                AccountAliases aliases = new AccountAliases();
                aliases.aggregateIdentifier = SnapshotFormat.readString(in);
                aliases.nextSequence = in.readLong();
                int count = in.readInt();
                for (int i = 0; i < count; i++) {
                    aliases.put(SnapshotFormat.readAlias(in));
                }
                if (aliases.byName.size() != count || restored.aliasesByAccount.putIfAbsent(account, aliases) != null) {
                    throw new SnapshotRejectedException("an alias or an account appears twice");
                }
                aliasCount += count;
            }
            SnapshotFormat.readTrailer(in, restored.keys.size(), aliasCount);
            check.verify();
        } catch (IOException | RuntimeException e) {
            throw new SnapshotRejectedException("it does not read as a snapshot (" + e.getClass().getSimpleName() + ")", e);
        }
        Lock exclusive = writes.writeLock();
        exclusive.lock();
        try {
            content = restored;
        } finally {
            exclusive.unlock();
        }
        return new SnapshotContent(restored.keys.size(), aliasCount);
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
                Set<KeyId> here = live.liveKeysOf(account);
                Set<KeyId> there = rebuilt.liveKeysOf(account);
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
        /** Every key this view has seen, deleted ones included (a late event of theirs is recognised). */
        private final ConcurrentHashMap<KeyId, KeyRecord> keys = new ConcurrentHashMap<>();
        /** Each account's live keys, indexed for listings. */
        private final Map<AccountId, AccountKeys> keysByAccount = new ConcurrentHashMap<>();
        private final Map<AccountId, AccountAliases> aliasesByAccount = new ConcurrentHashMap<>();
        /** One instance of each account id, for every record of that account to share. */
        private final Map<AccountId, AccountId> accounts = new ConcurrentHashMap<>();

        /** A new record, with the account id instance the view's other records of that account hold. */
        KeyRecord shared(KeyRecord key) {
            AccountId account = accounts.computeIfAbsent(key.account(), a -> a);
            return account == key.account() ? key : key.withAccount(account);
        }

        /**
         * Moves a key between its account's indexes as one change made it: called under that
         * key's lock. A key is added to its new index before it leaves the old one, so a listing
         * meanwhile finds it twice (and lists it once), never not at all.
         */
        void index(KeyRecord before, KeyRecord after) {
            Facet was = isLive(before) ? Facet.of(before) : null;
            Facet now = isLive(after) ? Facet.of(after) : null;
            if (Objects.equals(was, now)) {
                return;
            }
            AccountKeys account = keysByAccount.computeIfAbsent((after != null ? after : before).account(),
                    a -> new AccountKeys());
            if (now != null) {
                Listed entry = Listed.of(after); // one entry object for both indexes
                account.bucket(now).add(entry);
                if (was == null) {
                    account.live.add(entry);
                }
            }
            if (was != null) {
                account.bucket(was).remove(Listed.of(before));
                if (now == null) {
                    account.live.remove(Listed.of(before));
                }
            }
        }

        /** The live keys of an account, in no particular order: for comparisons. */
        Set<KeyId> liveKeysOf(AccountId account) {
            AccountKeys keys = keysByAccount.get(account);
            Set<KeyId> ids = new HashSet<>();
            if (keys != null) {
                keys.live.forEach(listed -> ids.add(listed.keyId()));
                keys.buckets.values().forEach(bucket -> bucket.keys.forEach(listed -> ids.add(listed.keyId())));
            }
            return ids;
        }
    }

    /** What a listing filters on: a live key's state, origin and usage. */
    private record Facet(KeyState state, Origin origin, KeyUsage usage) {
        static Facet of(KeyRecord key) {
            return new Facet(key.state(), key.origin(), key.keyUsage());
        }
    }

    /**
     * One account's live keys: all of them in the order of creation, which only a creation or a
     * deletion changes (so an unfiltered listing misses no key that stays), and the same keys
     * in one index per {@link Facet} (a handful per account), each counted, for filtered listings.
     */
    private static final class AccountKeys {
        private final ConcurrentSkipListSet<Listed> live = new ConcurrentSkipListSet<>();
        private final Map<Facet, Bucket> buckets = new ConcurrentHashMap<>();

        Bucket bucket(Facet facet) {
            return buckets.computeIfAbsent(facet, f -> new Bucket());
        }
    }

    /** The live keys of one facet of an account, in the order of creation, and how many. */
    private static final class Bucket {
        private final ConcurrentSkipListSet<Listed> keys = new ConcurrentSkipListSet<>();
        private final AtomicLong count = new AtomicLong();

        void add(Listed key) {
            if (keys.add(key)) {
                count.incrementAndGet();
            }
        }

        void remove(Listed key) {
            if (keys.remove(key)) {
                count.decrementAndGet();
            }
        }
    }

    /** A live key's place in its account's listings: by creation time, then by id. */
    private record Listed(Instant createdAt, KeyId keyId) implements Comparable<Listed> {

        static Listed of(KeyRecord key) {
            return new Listed(key.createdAt(), key.keyId());
        }

        @Override
        public int compareTo(Listed other) {
            return compare(createdAt, keyId, other.createdAt, other.keyId);
        }

        static int compare(Instant createdAt, KeyId keyId, Instant otherCreatedAt, KeyId otherKeyId) {
            int byTime = createdAt.compareTo(otherCreatedAt);
            return byTime != 0 ? byTime : keyId.value().compareTo(otherKeyId.value());
        }

        /**
         * The indexes' entries in one order, each once: a merge of sorted sets, which costs
         * O(log k) per entry for k indexes.
         */
        static Iterator<Listed> merge(List<ConcurrentSkipListSet<Listed>> indexes, boolean newestFirst) {
            if (indexes.size() == 1) {
                return newestFirst ? indexes.get(0).descendingIterator() : indexes.get(0).iterator();
            }
            Comparator<Listed> order = newestFirst ? Comparator.reverseOrder() : Comparator.naturalOrder();
            PriorityQueue<Head> heads = new PriorityQueue<>((one, other) -> order.compare(one.next, other.next));
            for (ConcurrentSkipListSet<Listed> index : indexes) {
                Iterator<Listed> entries = newestFirst ? index.descendingIterator() : index.iterator();
                if (entries.hasNext()) {
                    heads.add(new Head(entries.next(), entries));
                }
            }
            return new Iterator<>() {
                private Listed last;

                @Override
                public boolean hasNext() {
                    while (!heads.isEmpty() && last != null && heads.peek().next.compareTo(last) == 0) {
                        advance(); // the same key in two indexes while it moves between them
                    }
                    return !heads.isEmpty();
                }

                @Override
                public Listed next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    last = heads.peek().next;
                    advance();
                    return last;
                }

                private void advance() {
                    Head head = heads.poll();
                    if (head.rest.hasNext()) {
                        heads.add(new Head(head.rest.next(), head.rest));
                    }
                }
            };
        }

        private record Head(Listed next, Iterator<Listed> rest) {
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
        /** The same aliases in the order they were created (an alias's order is unique in its account). */
        private final ConcurrentSkipListMap<Long, AliasRecord> byOrder = new ConcurrentSkipListMap<>();
        /** The same aliases by the key they name, each key's in the order they were created. */
        private final Map<KeyId, ConcurrentSkipListMap<Long, AliasRecord>> byKey = new ConcurrentHashMap<>();
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
                put(new AliasRecord(created.alias(), created.keyId(), timestamp, sequence));
            } else if (event instanceof AliasUpdated updated) {
                AliasRecord old = byName.get(updated.alias().value());
                if (old != null) {
                    replace(old, new AliasRecord(old.alias(), updated.keyId(), old.createdAt(), old.order()));
                }
            } else if (event instanceof AliasRenamed renamed) {
                AliasRecord old = byName.get(renamed.previousAlias().value());
                AliasRecord now = old == null
                        ? new AliasRecord(renamed.alias(), renamed.keyId(), timestamp, sequence)
                        : new AliasRecord(renamed.alias(), renamed.keyId(), old.createdAt(), old.order());
                if (old == null) {
                    put(now);
                } else {
                    replace(old, now);
                }
            } else if (event instanceof AliasDeleted deleted) {
                AliasRecord old = byName.get(deleted.alias().value());
                if (old != null) {
                    remove(old);
                }
            }
            nextSequence = sequence + 1;
        }

        void put(AliasRecord alias) {
            byName.put(alias.alias().value(), alias);
            byOrder.put(alias.order(), alias);
            byKey.computeIfAbsent(alias.keyId(), k -> new ConcurrentSkipListMap<>()).put(alias.order(), alias);
        }

        /**
         * The new record first: a reader meanwhile finds the key by either name, never by none.
         * Both keep the alias's order.
         */
        private void replace(AliasRecord old, AliasRecord now) {
            put(now);
            if (!old.alias().equals(now.alias())) {
                byName.remove(old.alias().value());
            }
            if (!old.keyId().equals(now.keyId())) {
                removeFromKey(old);
            }
        }

        private void remove(AliasRecord old) {
            byName.remove(old.alias().value());
            byOrder.remove(old.order());
            removeFromKey(old);
        }

        private void removeFromKey(AliasRecord old) {
            ConcurrentSkipListMap<Long, AliasRecord> ofKey = byKey.get(old.keyId());
            if (ofKey != null) {
                ofKey.remove(old.order());
                if (ofKey.isEmpty()) {
                    byKey.remove(old.keyId());
                }
            }
        }
    }
}
