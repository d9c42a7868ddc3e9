package org.opencmk.kms.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.AuditRecord;
import org.opencmk.kms.server.KmsProperties;
import reactor.core.publisher.Mono;

/**
 * The group committer against a database of the test's making: records that wait while a commit
 * runs go together in the next one; a failed attempt is retried; a record that cannot be committed
 * fails its call, whatever the database threw, and the committer goes on; a NUL character a caller
 * sent (which PostgreSQL's jsonb refuses) never reaches the database.
 */
class ApiCallLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(15);

    /** What the fake database was given: one list of record JSON per executed batch. */
    private final List<List<String>> batches = new CopyOnWriteArrayList<>();
    private ApiCallLog callLog;

    @AfterEach
    void stop() throws Exception {
        if (callLog != null) {
            callLog.destroy();
        }
    }

    @Test
    void recordsThatWaitWhileACommitRunsShareTheNextCommit() throws Exception {
        CountDownLatch firstCommitMayEnd = new CountDownLatch(1);
        CountDownLatch firstCommitStarted = new CountDownLatch(1);
        callLog = new ApiCallLog(database((attempt, batch) -> {
            if (attempt == 1) {
                firstCommitStarted.countDown();
                await(firstCommitMayEnd);
            }
        }), durable());

        List<Mono<Void>> committed = new ArrayList<>();
        committed.add(callLog.record(record("first")).cache());
        committed.get(0).subscribe();
        assertThat(firstCommitStarted.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 50; i++) {
            Mono<Void> waiting = callLog.record(record("waiting-" + i)).cache();
            waiting.subscribe();
            committed.add(waiting);
        }
        Thread.sleep(100);
        assertThat(callLog.committedRecords()).as("nothing is committed while the first commit runs").isZero();
        firstCommitMayEnd.countDown();
        for (Mono<Void> each : committed) {
            each.block(PATIENCE);
        }

        assertThat(callLog.commits()).isEqualTo(2);
        assertThat(callLog.committedRecords()).isEqualTo(51);
        assertThat(batches).extracting(List::size).containsExactly(1, 50);
    }

    @Test
    void aFailedAttemptIsRetried() throws Exception {
        callLog = new ApiCallLog(database((attempt, batch) -> {
            if (attempt <= 2) {
                throw new SQLException("the database is restarting");
            }
        }), durable());

        callLog.record(record("retried")).block(PATIENCE);

        assertThat(callLog.commits()).isEqualTo(1);
        assertThat(batches).hasSize(1);
    }

    /**
     * Whatever the database throws (a driver's or a pool's RuntimeException too), the record's
     * call fails, and the committer lives on for the next records: it never leaves a call
     * waiting for ever.
     */
    @Test
    void aRecordThatCannotBeCommittedFailsItsCallAndTheCommitterGoesOn() throws Exception {
        callLog = new ApiCallLog(database((attempt, batch) -> {
            if (attempt <= ApiCallLog.COMMIT_ATTEMPTS) {
                throw new IllegalStateException("the driver gave up");
            }
        }), durable());

        assertThatThrownBy(() -> callLog.record(record("lost")).block(PATIENCE))
                .hasMessageContaining("the call could not be audited");
        callLog.record(record("next")).block(PATIENCE);

        assertThat(callLog.commits()).isEqualTo(1);
        assertThat(batches).hasSize(1);
        assertThat(JSON.readTree(batches.get(0).get(0)).path("requestedKey").asText()).isEqualTo("next");
    }

    /**
     * The database refusing what one record holds (an SQL data exception) fails that record's call
     * only: the others of its group are committed one by one.
     */
    @Test
    void aRecordTheDatabaseRefusesFailsOnlyItsOwnCall() throws Exception {
        CountDownLatch firstCommitMayEnd = new CountDownLatch(1);
        callLog = new ApiCallLog(database((attempt, batch) -> {
            if (attempt == 1) {
                await(firstCommitMayEnd);
            }
            if (batch.stream().anyMatch(json -> json.contains("refused"))) {
                throw new SQLException("invalid input syntax", "22P02");
            }
        }), durable());
        Mono<Void> first = callLog.record(record("first")).cache();
        first.subscribe();
        Mono<Void> refused = callLog.record(record("refused")).cache();
        Mono<Void> accepted = callLog.record(record("accepted")).cache();
        refused.subscribe(ok -> { }, failed -> { });
        accepted.subscribe();
        firstCommitMayEnd.countDown();

        first.block(PATIENCE);
        accepted.block(PATIENCE);
        assertThatThrownBy(() -> refused.block(PATIENCE)).hasMessageContaining("the call could not be audited");
        assertThat(batches).extracting(List::size).containsExactly(1, 1);
    }

    @Test
    void aNulCharacterACallerSentNeverReachesTheDatabase() throws Exception {
        callLog = new ApiCallLog(database((attempt, batch) -> { }), durable());

        callLog.record(record("key\u0000with a NUL, a \\u0000 as text, and a\nnewline")).block(PATIENCE);

        String stored = batches.get(0).get(0);
        assertThat(stored).doesNotContain("\u0000").contains("\\uFFFD");
        assertThat(JSON.readTree(stored).path("requestedKey").asText())
                .isEqualTo("key\uFFFDwith a NUL, a \\u0000 as text, and a\nnewline");
    }

    // ---- helpers ----

    private interface Attempt {
        void run(int attempt, List<String> batch) throws SQLException;
    }

    /** A database whose n-th commit attempt first runs {@code onAttempt}; the records of each committed statement are kept. */
    private DataSource database(Attempt onAttempt) throws SQLException {
        AtomicInteger attempts = new AtomicInteger();
        DataSource dataSource = mock(DataSource.class);
        when(dataSource.getConnection()).thenAnswer(getConnection -> {
            int attempt = attempts.incrementAndGet();
            List<String> batch = new ArrayList<>();
            List<String> current = new ArrayList<>();
            Connection connection = mock(Connection.class);
            PreparedStatement insert = mock(PreparedStatement.class);
            when(connection.prepareStatement(anyString())).thenReturn(insert);
            // The group arrives as three arrays; the third holds the records' JSON.
            when(connection.createArrayOf(anyString(), org.mockito.ArgumentMatchers.any(Object[].class)))
                    .thenAnswer(create -> {
                        if ("text".equals(create.getArgument(0))) {
                            for (Object json : (Object[]) create.getArgument(1)) {
                                batch.add((String) json);
                            }
                        }
                        return mock(java.sql.Array.class);
                    });
            // as the pool's connections: each statement is its own transaction
            when(connection.getAutoCommit()).thenReturn(true);
            when(insert.executeUpdate()).thenAnswer(execute -> {
                onAttempt.run(attempt, batch);
                batches.add(List.copyOf(batch));
                return batch.size();
            });
            return connection;
        });
        return dataSource;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static KmsProperties durable() {
        return new KmsProperties(Path.of("unused"), null, null, null, null, null, null, null,
                new KmsProperties.Audit(true), null, null, null, 50, null, null);
    }

    private static AuditRecord record(String requestedKey) {
        return new AuditRecord(AuditRecord.SCHEMA_VERSION, UUID.randomUUID().toString(), Instant.now().toString(),
                UUID.randomUUID().toString(), "Encrypt", 100000000001L, "AKIDtest", "127.0.0.1", null, null, null, null,
                null, null, requestedKey, "ResourceUnavailable.CmkNotFound", 10, Map.of("KeyId", requestedKey));
    }
}
