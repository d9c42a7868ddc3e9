package org.opencmk.kms.server.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.opencmk.kms.events.AuditRecord;
import org.opencmk.kms.server.KmsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The one place every API call passes once it is answered (ROADMAP "Seams to leave now"): who
 * called, which action, the key and version the call resolved, its non-secret parameters, and how
 * it ended, as an {@link AuditRecord}. Never receives plaintext, key material, tokens or secrets.
 *
 * <p><b>Durable</b> (issue 15): {@link #record} completes once the record is committed to {@code
 * kms_audit_record} (migration V6), and the caller is answered only then. Records are committed
 * by one writer thread in groups: it takes every record waiting, inserts them with one statement
 * that is its own transaction (one round trip, one fsync), hands each completion to the thread
 * its caller resumes on (the call's event loop), and takes the next group, which gathered while
 * it committed. Under load a commit carries many calls, so durability costs a fsync per group, not
 * per call; an idle server commits a lone call at once. A record that cannot be committed (the
 * database is down, after retries for {@value #COMMIT_ATTEMPTS} attempts) fails its call: no
 * answer leaves without its record. {@code KMS_AUDIT_DURABLE=false} turns this off, for the
 * benchmark's comparison only.
 *
 * <p><b>The log line</b>: each record is also one JSON object on one line of the {@code kms.audit}
 * logger, written by a thread of its own (writing a log file is blocking I/O), so no value a
 * caller chose can forge or split a line: JSON escapes every control character. Caller-chosen
 * values are cut to {@value #MAX_CALLER_TEXT} characters, and a NUL character in them is written as
 * U+FFFD (jsonb cannot hold it).
 */
@Component
public class ApiCallLog implements DisposableBean {

    /** The outcome of a call that succeeded; otherwise the outcome is the error code. */
    public static final String SUCCESS = AuditRecord.SUCCESS;
    public static final int MAX_CALLER_TEXT = 128;
    /** The most records one commit carries; more wait for the next. */
    static final int MAX_GROUP = 1_000;
    static final int COMMIT_ATTEMPTS = 5;
    private static final long COMMIT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /**
     * How often the line writer drains the pending lines. Producers never wake it: a wake-up per
     * call (a futex system call, and a context switch on a busy machine) cost the hot path more
     * than the line itself.
     */
    private static final long DRAIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** Where a committed call resumes when its caller names no thread of its own. */
    public static final Executor PARALLEL = task -> Schedulers.parallel().schedule(task);
    private static final Logger log = LoggerFactory.getLogger("kms.audit");
    private static final Logger problems = LoggerFactory.getLogger(ApiCallLog.class);
    private static final ObjectMapper JSON = JsonMapper.builder(new JsonFactoryBuilder()
                    .characterEscapes(new NoNul())
                    .build())
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();
    /**
     * A whole group in one statement: three arrays, unnested in order (so {@code seq} follows the
     * group's order), one round trip and one executor run, instead of a batch of single-row
     * inserts, each parsed, planned and executed on its own.
     */
    private static final String INSERT = "INSERT INTO kms_audit_record (record_id, recorded_at, record) "
            + "SELECT * FROM unnest(?::uuid[], ?::timestamptz[], ?::json[])";

    /**
     * JSON's escapes, except that a NUL character is written as U+FFFD: PostgreSQL's jsonb refuses
     * {@code \u0000}, and one caller's NUL in a KeyId or an alias would fail the commit of its
     * record and of every record committed with it (other accounts' calls answered InternalError).
     */
    private static final class NoNul extends CharacterEscapes {
        private static final int[] ESCAPES = CharacterEscapes.standardAsciiEscapesForJSON();
        private static final SerializableString REPLACEMENT = new SerializedString("\\uFFFD");

        static {
            ESCAPES[0] = CharacterEscapes.ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ESCAPES;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return ch == 0 ? REPLACEMENT : null;
        }
    }

    /** A record waiting for its commit, and who waits for it. */
    private record Pending(AuditRecord record, String json, CompletableFuture<Void> committed) {
    }

    private final DataSource dataSource;
    private final boolean durable;
    /**
     * Lock-free for the callers, which add from event loops: a LinkedBlockingQueue's offer takes a
     * lock, and under load an event loop parked on it. Adding to this one never waits; it at most
     * wakes the committer.
     */
    private final BlockingQueue<Pending> toCommit = new LinkedTransferQueue<>();
    private final Queue<String> lines = new ConcurrentLinkedQueue<>();
    private final Thread committer;
    private final Thread lineWriter;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committedRecords = new AtomicLong();
    private volatile boolean running = true;

    public ApiCallLog(DataSource dataSource, KmsProperties properties) {
        this.dataSource = dataSource;
        this.durable = properties.audit().durable();
        committer = new Thread(this::commitLoop, "kms-audit-committer");
        committer.setDaemon(true);
        lineWriter = new Thread(this::writeLoop, "kms-audit-writer");
        lineWriter.setDaemon(true);
        if (durable) {
            committer.start();
        }
        lineWriter.start();
    }

    /** Cuts a value the caller chose to {@value #MAX_CALLER_TEXT} characters. */
    public static String callerText(String text) {
        return text == null || text.length() <= MAX_CALLER_TEXT ? text : text.substring(0, MAX_CALLER_TEXT) + "…";
    }

    /**
     * Records one call; completes once the record is committed (at once when not durable). Never
     * blocks the calling thread: the completion comes on a parallel worker.
     */
    public Mono<Void> record(AuditRecord record) {
        return record(record, PARALLEL);
    }

    /**
     * Records one call; completes once the record is committed (at once, on the calling thread,
     * when not durable), on {@code resumeOn}: the HTTP handler passes the event loop of the call's
     * connection, so that its answer is written there directly, not handed from a worker to it.
     * The committer only hands the completions over, and goes on committing.
     */
    public Mono<Void> record(AuditRecord record, Executor resumeOn) {
        String json;
        try {
            json = JSON.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            return Mono.error(new IllegalStateException("an audit record cannot be written as JSON", e));
        }
        if (log.isInfoEnabled()) {
            lines.add(json);
        }
        if (!durable) {
            return Mono.empty();
        }
        CompletableFuture<Void> committed = new CompletableFuture<>();
        toCommit.add(new Pending(record, json, committed));
        return Mono.create(sink -> committed.whenComplete((done, failure) -> resumeOn.execute(() -> {
            if (failure == null) {
                sink.success();
            } else {
                sink.error(failure);
            }
        })));
    }

    /** Commits so far (each one a group of records); for tests and metrics. */
    public long commits() {
        return commits.get();
    }

    /** Records committed so far; for tests and metrics. */
    public long committedRecords() {
        return committedRecords.get();
    }

    private void commitLoop() {
        List<Pending> group = new ArrayList<>(MAX_GROUP);
        while (running || !toCommit.isEmpty()) {
            try {
                Pending first = toCommit.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                toCommit.drainTo(group, MAX_GROUP - 1);
                commit(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            } finally {
                group.clear();
            }
        }
    }

    private void commit(List<Pending> group) {
        Exception last = null;
        for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
            try {
                insert(group);
                commits.incrementAndGet();
                committedRecords.addAndGet(group.size());
                group.forEach(pending -> pending.committed().complete(null));
                return;
            } catch (SQLException | RuntimeException e) {
                // A RuntimeException too (a driver's, a pool's): let through, it would end the
                // committer thread and leave this group's calls, and every later call, unanswered.
                last = e;
                LockSupport.parkNanos(this, COMMIT_RETRY_NANOS * attempt);
            }
        }
        if (group.size() > 1 && refusedData(last)) {
            // The database refused what one record holds, not the connection: commit each record
            // alone, so that one caller's record cannot fail the calls of everyone in its group.
            for (Pending pending : group) {
                commit(List.of(pending));
            }
            return;
        }
        problems.error("Cannot commit {} audit records; their calls are answered InternalError", group.size(), last);
        IllegalStateException failure = new IllegalStateException("the call could not be audited");
        group.forEach(pending -> pending.committed().completeExceptionally(failure));
    }

    /** An SQL data exception (class 22) or integrity violation (class 23): about a row, not the database. */
    private static boolean refusedData(Exception failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * One statement, committed on its own (the pool's connections commit each statement): the
     * group is inserted whole or not at all, in one round trip to the database, where a
     * transaction opened and committed apart would take two, each a wake-up of a database
     * process that shares the cores with the calls waiting for it.
     */
    private void insert(List<Pending> group) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement insert = connection.prepareStatement(INSERT)) {
            int size = group.size();
            Object[] ids = new Object[size];
            Object[] times = new Object[size];
            Object[] records = new Object[size];
            for (int i = 0; i < size; i++) {
                Pending pending = group.get(i);
                ids[i] = java.util.UUID.fromString(pending.record().recordId());
                times[i] = Timestamp.from(Instant.parse(pending.record().time()));
                records[i] = pending.json();
            }
            insert.setArray(1, connection.createArrayOf("uuid", ids));
            insert.setArray(2, connection.createArrayOf("timestamptz", times));
            insert.setArray(3, connection.createArrayOf("text", records));
            if (!connection.getAutoCommit()) {
                connection.setAutoCommit(true); // the pool's default, asserted: a statement is its own transaction
            }
            insert.executeUpdate();
        }
    }

    private void writeLoop() {
        while (running || !lines.isEmpty()) {
            String line;
            while ((line = lines.poll()) != null) {
                log.info(line);
            }
            LockSupport.parkNanos(this, DRAIN_INTERVAL_NANOS);
        }
    }

    /** Commits and writes what is still pending, then stops both threads. */
    @Override
    public void destroy() throws InterruptedException {
        running = false;
        LockSupport.unpark(lineWriter);
        if (durable) {
            committer.join(TimeUnit.SECONDS.toMillis(10));
        }
        lineWriter.join(TimeUnit.SECONDS.toMillis(5));
    }
}
