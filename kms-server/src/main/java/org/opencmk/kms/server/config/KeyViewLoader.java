package org.opencmk.kms.server.config;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.query.keyview.KeyView;
import org.opencmk.kms.server.projection.KeyViewSnapshots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Fills the key view before event processors start and before the server accepts requests, and
 * remembers where it stopped: the tracking feed goes on from there. It restores the newest
 * trusted snapshot and applies the events after it (see {@link KeyViewSnapshots}); without one,
 * or with snapshots off, it applies every event of the store.
 *
 * <p>The snapshot is restored, and the KEK references read, on threads of their own from the
 * moment this loader is built, while the rest of the context is: nothing reads the view before
 * every singleton is built, and the start joins them then.
 */
public class KeyViewLoader implements InitializingBean, SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(KeyViewLoader.class);

    private final KeyView view;
    private final EventStorageEngine engine;
    private final JdbcKekRepository keks;
    private final KekAccountBinding binding;
    /** Null when snapshots are off. */
    private final KeyViewSnapshots snapshots;
    private volatile TrackingToken lastToken;
    private long started;
    /** Both null unless a snapshot is there to restore. */
    private CompletableFuture<List<JdbcKekRepository.Stored>> stored;
    private CompletableFuture<Optional<KeyViewSnapshots.Restored>> restoring;

    public KeyViewLoader(KeyView view, EventStorageEngine engine, JdbcKekRepository keks, KekAccountBinding binding,
                         KeyViewSnapshots snapshots) {
        this.view = view;
        this.engine = engine;
        this.keks = keks;
        this.binding = binding;
        this.snapshots = snapshots;
    }

    /** Starts restoring the newest snapshot, and reading the KEK references beside it. */
    @Override
    public void afterPropertiesSet() {
        started = System.nanoTime();
        if (snapshots != null && snapshots.newestPosition() >= 0) {
            stored = CompletableFuture.supplyAsync(keks::readAll, task -> onThreadOfItsOwn(task, "kms-kek-load"));
            restoring = CompletableFuture.supplyAsync(snapshots::restoreNewest,
                    task -> onThreadOfItsOwn(task, "kms-key-view-load"));
        }
    }

    @Override
    public void afterSingletonsInstantiated() {
        long joined = System.nanoTime();
        // With a snapshot restored, the KEK references are kept before the events after it are
        // applied: the keys those events create or delete then reach memory one by one (learn,
        // forget), as on a running server. Without one (none, or none trusted), every event is
        // applied and then the references are read.
        Optional<KeyViewSnapshots.Restored> snapshot = restoring == null ? Optional.empty() : join(restoring);
        if (snapshot.isPresent()) {
            keks.install(join(stored), view::canonical);
        }
        lastToken = snapshot.map(KeyViewSnapshots.Restored::position).orElse(null);
        long count = 0;
        try (Stream<? extends TrackedEventMessage<?>> events = engine.readEvents(lastToken, false)) {
            java.util.Iterator<? extends TrackedEventMessage<?>> iterator = events.iterator();
            while (iterator.hasNext()) {
                TrackedEventMessage<?> event = iterator.next();
                if (event instanceof DomainEventMessage<?> domainEvent) {
                    view.apply(domainEvent);
                }
                lastToken = event.trackingToken();
                count++;
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (snapshot.isPresent()) {
            KeyViewSnapshots.Restored restored = snapshot.get();
            log.info("Key view restored from snapshot {} ({} keys, {} aliases, at event {}) and {} later events in {} ms,"
                    + " the last {} ms of them after the rest of the context was built", restored.id(),
                    restored.content().keys(), restored.content().aliases(), restored.position().getIndex(), count,
                    millis, (System.nanoTime() - joined) / 1_000_000);
        } else {
            log.info("Key view rebuilt from {} events in {} ms", count, millis);
        }
        List<KeyId> rebound = binding.bindLegacyKeyEncryptionKeys();
        if (snapshot.isPresent()) {
            rebound.forEach(keks::reload);
        } else {
            // Every key known until now has its KEK row committed with its creation: read them all at
            // once; keys created from here on are learnt one by one as their creation arrives.
            keks.loadAll(view::canonical);
        }
        log.info("{} key-encryption keys in memory", keks.size());
    }

    private static void onThreadOfItsOwn(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Where the rebuild stopped; null when the store was empty (the feed then starts at the tail). */
    public TrackingToken lastToken() {
        return lastToken;
    }
}
