package org.opencmk.kms.server.projection;

import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.TrackingToken;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * Writes a key view snapshot once the view has applied enough events past the newest one in the
 * database (whichever node wrote it), checking every {@value #CHECK_SECONDS} seconds on a thread
 * of its own: never a request's or an event processor's. Enough is {@code every} events, or a
 * quarter of the view's key records if that is more: a snapshot costs the whole view, so a large
 * view is written less often, and a start after a crash replays at most that many events on top
 * of it. A server that stops (not one that is killed) writes one more if it has gone {@code
 * every} events past the newest, so that a planned restart replays next to nothing.
 *
 * <p>The position a snapshot is labelled with is the key view's tracking feed's: every event up
 * to it (but its gaps) has been applied by then, which is what {@link KeyViewSnapshots#write}
 * asks.
 */
public class KeyViewSnapshotter implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(KeyViewSnapshotter.class);
    static final long CHECK_SECONDS = 10;
    /** How long a stop waits for a snapshot being written; past it, the stop goes on without a last one. */
    private static final long STOP_PATIENCE_SECONDS = 20;

    private final KeyViewSnapshots snapshots;
    private final Supplier<Optional<TrackingToken>> applied;
    private final LongSupplier viewSize;
    private final long every;
    private volatile boolean started;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "kms-key-view-snapshot");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param applied the position of the event stream the key view has applied, when known
     * @param viewSize how many key records the view holds
     * @param every how many events past the newest snapshot call for a new one, at the least
     */
    public KeyViewSnapshotter(KeyViewSnapshots snapshots, Supplier<Optional<TrackingToken>> applied,
                              LongSupplier viewSize, long every) {
        this.snapshots = snapshots;
        this.applied = applied;
        this.viewSize = viewSize;
        this.every = every;
    }

    /** Starts the periodic check: once the server is ready, with the tracking feed running. */
    public void start() {
        started = true;
        scheduler.scheduleWithFixedDelay(this::writeIfDue, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /** Writes a snapshot if the view has gone {@code every} events past the newest; what it wrote, if it did. */
    public Optional<KeyViewSnapshots.Written> writeIfDue() {
        return writeIfPast(Math.max(every, viewSize.getAsLong() / 4));
    }

    private Optional<KeyViewSnapshots.Written> writeIfPast(long events) {
        try {
            Optional<GapAwareTrackingToken> position = position();
            if (position.isEmpty() || position.get().getIndex() - snapshots.newestPosition() < events) {
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

    /** Stops the checks, then writes a last snapshot if the view has gone {@code every} events past the newest. */
    @Override
    public void destroy() throws InterruptedException {
        scheduler.shutdown();
        if (!scheduler.awaitTermination(STOP_PATIENCE_SECONDS, TimeUnit.SECONDS)) {
            scheduler.shutdownNow();
            return;
        }
        if (started) {
            // on a thread of its own, waited for a bounded time: a database that went away first
            // must not hold the stop for a connection pool's timeout
            Thread last = new Thread(() -> writeIfPast(every), "kms-key-view-last-snapshot");
            last.setDaemon(true);
            last.start();
            last.join(TimeUnit.SECONDS.toMillis(STOP_PATIENCE_SECONDS));
            if (last.isAlive()) {
                log.warn("Key view snapshot not written on the way out: not done within {} s", STOP_PATIENCE_SECONDS);
            }
        }
    }
}
