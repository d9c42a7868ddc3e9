package org.opencmk.kms.server.projection;

import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.TrackingToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * Writes a key view snapshot once the view has applied {@code every} events past the newest one
 * in the database (whichever node wrote it), checking every {@value #CHECK_SECONDS} seconds on a
 * thread of its own: never a request's or an event processor's.
 *
 * <p>The position a snapshot is labelled with is the key view's tracking feed's: every event up
 * to it (but its gaps) has been applied by then, which is what {@link KeyViewSnapshots#write}
 * asks.
 */
public class KeyViewSnapshotter implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(KeyViewSnapshotter.class);
    static final long CHECK_SECONDS = 10;

    private final KeyViewSnapshots snapshots;
    private final Supplier<Optional<TrackingToken>> applied;
    private final long every;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "kms-key-view-snapshot");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param applied the position of the event stream the key view has applied, when known
     * @param every how many events past the newest snapshot call for a new one
     */
    public KeyViewSnapshotter(KeyViewSnapshots snapshots, Supplier<Optional<TrackingToken>> applied, long every) {
        this.snapshots = snapshots;
        this.applied = applied;
        this.every = every;
    }

    /** Starts the periodic check: once the server is ready, with the tracking feed running. */
    public void start() {
        scheduler.scheduleWithFixedDelay(this::writeIfDue, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /** Writes a snapshot if the view has gone {@code every} events past the newest; what it wrote, if it did. */
    public Optional<KeyViewSnapshots.Written> writeIfDue() {
        try {
            Optional<GapAwareTrackingToken> position = position();
            if (position.isEmpty() || position.get().getIndex() - snapshots.newestPosition() < every) {
                return Optional.empty();
            }
            return write(position.get());
        } catch (RuntimeException e) {
            log.warn("Key view snapshot not written: {}", e.toString());
            return Optional.empty();
        }
    }

    /** Writes a snapshot now, whatever the newest: for tests and operators. */
    public Optional<KeyViewSnapshots.Written> writeNow() {
        return position().flatMap(this::write);
    }

    private Optional<KeyViewSnapshots.Written> write(GapAwareTrackingToken position) {
        long started = System.nanoTime();
        Optional<KeyViewSnapshots.Written> written = snapshots.write(position);
        written.ifPresent(snapshot -> log.info(
                "Key view snapshot {} written: {} keys, {} aliases, {} KiB, at event {}, in {} ms", snapshot.id(),
                snapshot.content().keys(), snapshot.content().aliases(), snapshot.bytes() / 1024, snapshot.position(),
                (System.nanoTime() - started) / 1_000_000));
        return written;
    }

    private Optional<GapAwareTrackingToken> position() {
        return applied.get().filter(GapAwareTrackingToken.class::isInstance).map(GapAwareTrackingToken.class::cast);
    }

    @Override
    public void destroy() {
        scheduler.shutdownNow();
    }
}
