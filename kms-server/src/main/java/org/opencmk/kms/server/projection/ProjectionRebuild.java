package org.opencmk.kms.server.projection;

import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.opencmk.kms.query.keyview.KeyView;
import org.opencmk.kms.query.keyview.ViewComparison;
import org.opencmk.kms.server.KmsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Rebuilds the key view from the event store (RebuildProjections) on a thread of its own, while
 * every request goes on being answered from the live view: no event loop and no request thread
 * waits for it, and the live view is not touched until the end.
 *
 * <p>A {@link KeyView#detached detached} view, whose changes run none of the live view's hooks
 * (no KEK is fetched or forgotten, no material evicted), reads every event the way the start-up
 * load does, logging its progress every {@code kms.rebuild.progress-every} events. It then reads
 * what was committed meanwhile, pass after pass, until a pass is short; the last pass runs inside
 * {@link KeyView#takeOver}, with the live view's writes held off, so that no event is lost between
 * the last read and the installation (see there for how the two views are brought to the same
 * position and compared). That step runs in a transaction, which pins one database connection to
 * this thread before the writes are held: every read it makes (the tail, an aggregate's history, a
 * KEK reference) uses that connection, so the step can never wait for a connection held by a
 * request that waits for the view.
 *
 * <p>One rebuild runs at a time; the outcome of the last is kept until the next starts. Holding
 * the rebuilt copy doubles the view's memory for the rebuild's duration.
 */
@Component
public class ProjectionRebuild implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ProjectionRebuild.class);
    /** Catch-up passes at most before the last, each reading what was committed during the one before. */
    private static final int CATCH_UP_PASSES = 5;
    /** A pass that read no more events than this is followed by the last one, which holds writes. */
    private static final int SHORT_PASS = 100;
    private static final long STOP_PATIENCE_MILLIS = TimeUnit.SECONDS.toMillis(10);

    /** Where a rebuild stands. */
    public enum State {
        /** None has run since the server started. */
        IDLE("Idle"),
        RUNNING("Running"),
        /** It read every event and compared the views (installed unless a dry run). */
        SUCCEEDED("Succeeded"),
        /** It stopped early; the live view is as it was. */
        FAILED("Failed");

        private final String wireName;

        State(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    /**
     * The current or last rebuild.
     *
     * @param taskId the id its start answered, null when none ran
     * @param dryRun compared only: the live view was kept
     * @param eventsRead so far, while it runs
     * @param comparison once it succeeded, else null
     * @param installed whether the rebuilt content is the live view's now
     * @param failure why it failed (the details are in the log), else null
     */
    public record Status(String taskId, State state, boolean dryRun, Instant startedAt, Instant finishedAt,
                         long eventsRead, ViewComparison comparison, boolean installed, String failure) {

        static final Status NONE = new Status(null, State.IDLE, false, null, null, 0, null, false, null);
    }

    /** What a request to rebuild got: the rebuild it started, or the one already running. */
    public record Start(Status status, boolean started) {
    }

    private final KeyView live;
    private final EventStorageEngine engine;
    private final TransactionTemplate transaction;
    private final Clock clock;
    private final int progressEvery;
    /** Written under this object's monitor, read without it (GetProjectionStatus runs on an event loop). */
    private volatile Status status = Status.NONE;
    private Thread worker; // guarded by this
    private volatile long eventsRead;
    private volatile boolean closing;

    public ProjectionRebuild(KeyView live, EventStorageEngine engine, TransactionTemplate transaction, Clock clock,
                             KmsProperties properties) {
        this.live = live;
        this.engine = engine;
        this.transaction = transaction;
        this.clock = clock;
        this.progressEvery = Math.max(1, properties.rebuild().progressEvery());
    }

    /**
     * Starts a rebuild and returns at once; while one runs, answers that one instead of starting
     * another (a second copy of the view would only compete with the first for memory and the
     * database, and a caller that retries a start it lost the answer of gets its task back).
     *
     * @param dryRun compare only, and keep the live view whatever the outcome
     */
    public synchronized Start start(boolean dryRun) {
        if (status.state() == State.RUNNING) {
            return new Start(status(), false);
        }
        if (closing) {
            throw new IllegalStateException("the server is stopping");
        }
        String taskId = UUID.randomUUID().toString();
        eventsRead = 0;
        status = new Status(taskId, State.RUNNING, dryRun, clock.instant(), null, 0, null, false, null);
        worker = new Thread(() -> run(taskId, dryRun), "kms-projection-rebuild");
        worker.setDaemon(true);
        worker.start();
        return new Start(status, true);
    }

    /** The current or last rebuild; while one runs, with the events it has read so far. Takes no lock. */
    public Status status() {
        Status current = status;
        if (current.state() != State.RUNNING) {
            return current;
        }
        return new Status(current.taskId(), current.state(), current.dryRun(), current.startedAt(), null, eventsRead,
                null, false, null);
    }

    private void run(String taskId, boolean dryRun) {
        Progress progress = new Progress(taskId);
        log.info("Rebuilding the key view from the event store (task {}{}); the live view answers meanwhile",
                taskId, dryRun ? ", a dry run" : "");
        try {
            KeyView rebuilt = live.detached();
            TrackingToken[] position = {read(rebuilt, null, progress)};
            progress.firstPass = progress.events;
            for (int pass = 0; pass < CATCH_UP_PASSES; pass++) {
                long before = progress.events;
                position[0] = read(rebuilt, position[0], progress);
                if (progress.events - before <= SHORT_PASS) {
                    break;
                }
            }
            ViewComparison comparison = transaction.execute(tx -> live.takeOver(rebuilt,
                    () -> position[0] = read(rebuilt, position[0], progress), !dryRun));
            progress.finished(comparison, !dryRun);
            finish(taskId, State.SUCCEEDED, progress.events, comparison, !dryRun, null);
        } catch (RuntimeException | Error e) {
            // an Error too (the copy may not fit in memory): a rebuild left Running would refuse every later one
            log.error("Rebuilding the key view failed (task {}) after {} events; the live view was not replaced",
                    taskId, progress.events, e);
            finish(taskId, State.FAILED, progress.events, null, false,
                    "the rebuild failed (" + e.getClass().getSimpleName() + "); the server's log has the details");
            if (e instanceof Error error) {
                throw error;
            }
        }
    }

    /** Applies every event after {@code from} (all of them from null) to the view; returns where it stopped. */
    private TrackingToken read(KeyView view, TrackingToken from, Progress progress) {
        TrackingToken position = from;
        try (Stream<? extends TrackedEventMessage<?>> events = engine.readEvents(from, false)) {
            Iterator<? extends TrackedEventMessage<?>> iterator = events.iterator();
            while (iterator.hasNext()) {
                if (closing) {
                    throw new IllegalStateException("the server is stopping");
                }
                TrackedEventMessage<?> event = iterator.next();
                if (event instanceof DomainEventMessage<?> domainEvent) {
                    view.apply(domainEvent);
                }
                position = event.trackingToken();
                progress.read(view);
            }
        }
        return position;
    }

    private synchronized void finish(String taskId, State state, long events, ViewComparison comparison,
                                     boolean installed, String failure) {
        status = new Status(taskId, state, status.dryRun(), status.startedAt(), clock.instant(), events, comparison,
                installed, failure);
        worker = null;
    }

    /** Stops a running rebuild (it fails, and the live view is kept) before the database goes. */
    @Override
    public void destroy() throws InterruptedException {
        closing = true;
        Thread running;
        synchronized (this) {
            running = worker;
        }
        if (running != null) {
            running.join(STOP_PATIENCE_MILLIS);
        }
    }

    /** Counts what was read and logs it every {@link #progressEvery} events, and at the end. */
    private final class Progress {
        private final String taskId;
        private final long started = System.nanoTime();
        private long events;
        /** Read by the first pass; the rest by the catch-up passes and the last one (committed meanwhile). */
        private long firstPass;

        Progress(String taskId) {
            this.taskId = taskId;
        }

        void read(KeyView view) {
            events++;
            eventsRead = events;
            if (events % progressEvery == 0) {
                log.info("Rebuilding the key view (task {}): {} events read, {} keys (deleted ones included), {} events/s",
                        taskId, events, view.keyRecords(), perSecond());
            }
        }

        void finished(ViewComparison comparison, boolean installed) {
            log.info("Key view rebuilt (task {}): {} events read in {} ms ({} events/s), {} of them after the first "
                            + "pass; {} keys, {} deleted keys, {} aliases", taskId, events, elapsedNanos() / 1_000_000,
                    perSecond(), events - firstPass, comparison.keys(), comparison.deletedKeys(), comparison.aliases());
            if (comparison.equal()) {
                log.info("Key view rebuilt (task {}): equal to the live view, every key record and alias", taskId);
            } else {
                log.warn("Key view rebuilt (task {}): differs from the live view in {} places; the first: {}", taskId,
                        comparison.differenceCount(), comparison.differences());
            }
            log.info(installed ? "Key view rebuilt (task {}): installed as the live view"
                    : "Key view rebuilt (task {}): not installed (a dry run); the live view is unchanged", taskId);
        }

        private long perSecond() {
            return events * 1_000_000_000L / Math.max(1, elapsedNanos());
        }

        private long elapsedNanos() {
            return System.nanoTime() - started;
        }
    }
}
