package org.opencmk.kms.server.config;

import java.util.stream.Stream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.opencmk.kms.query.keyview.KeyView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Rebuilds the key view from the whole event store before event processors start and before
 * the server accepts requests, and remembers where it stopped: the tracking feed goes on from
 * there.
 */
public class KeyViewLoader implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(KeyViewLoader.class);

    private final KeyView view;
    private final EventStorageEngine engine;
    private final JdbcKekRepository keks;
    private final KekAccountBinding binding;
    private volatile TrackingToken lastToken;

    public KeyViewLoader(KeyView view, EventStorageEngine engine, JdbcKekRepository keks, KekAccountBinding binding) {
        this.view = view;
        this.engine = engine;
        this.keks = keks;
        this.binding = binding;
    }

    @Override
    public void afterSingletonsInstantiated() {
        long started = System.nanoTime();
        long count = 0;
        try (Stream<? extends TrackedEventMessage<?>> events = engine.readEvents(null, false)) {
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
        log.info("Key view rebuilt from {} events in {} ms", count, (System.nanoTime() - started) / 1_000_000);
        // Every key known until now has its KEK row committed with its creation: read them all at
        // once; keys created from here on are learnt one by one as their creation arrives.
        binding.bindLegacyKeyEncryptionKeys();
        log.info("{} key-encryption keys in memory", keks.loadAll());
    }

    /** Where the rebuild stopped; null when the store was empty (the feed then starts at the tail). */
    public TrackingToken lastToken() {
        return lastToken;
    }
}
