package org.opencmk.kms.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.opencmk.kms.audit.support.Entries;
import org.opencmk.kms.audit.support.TestDatabases;
import org.postgresql.ds.PGSimpleDataSource;

/** The chain store on PostgreSQL, fed directly (no Kafka): how batches, redeliveries and duplicates come out. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChainStoreIT {

    private static final String AUDIT = "kms.audit";
    private static final String EVENTS = "kms.events";

    private TestDatabases databases;

    @BeforeAll
    void start() {
        databases = TestDatabases.start();
    }

    @AfterAll
    void stop() throws Exception {
        databases.close();
    }

    private DataSource freshDatabase() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(databases.create());
        dataSource.setUser("postgres");
        Flyway.configure().dataSource(dataSource).schemas("audit").defaultSchema("audit")
                .locations("classpath:db/migration/audit").load().migrate();
        return dataSource;
    }

    private static ChainStore store(DataSource dataSource) {
        return new ChainStore(dataSource, topic -> switch (topic) {
            case AUDIT -> RecordKind.AUDIT;
            case EVENTS -> RecordKind.EVENT;
            default -> throw new IllegalArgumentException("not a consumed topic: " + topic);
        });
    }

    private static Incoming audit(int partition, long offset, String id) {
        return new Incoming(AUDIT, partition, offset, ("{\"schemaVersion\":1,\"recordId\":\"" + id
                + "\",\"action\":\"Encrypt\",\"time\":\"2026-11-30T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static Incoming event(int partition, long offset, String id) {
        return new Incoming(EVENTS, partition, offset, ("{\"schemaVersion\":1,\"eventId\":\"" + id
                + "\",\"type\":\"KeyEnabled\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static Incoming raw(String topic, int partition, long offset, String value) {
        return new Incoming(topic, partition, offset, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Two topics, three partitions, duplicates within and across partitions, values that are no records. */
    private static List<Incoming> log() {
        List<Incoming> log = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            log.add(audit(i % 3, i / 3, "a" + i));
            if (i % 4 == 0) {
                int j = i / 4; // 0 … 14: events/0 gets offsets 0 … 7, events/1 0 … 6
                log.add(event(j % 2, j / 2, "e" + j));
            }
        }
        log.add(audit(0, 20, "a3"));            // a duplicate in the same partition
        log.add(audit(1, 20, "a3"));            // the same id in another partition: not its chain's duplicate
        log.add(raw(AUDIT, 2, 20, "{garbage"));
        log.add(raw(EVENTS, 0, 8, "{\"schemaVersion\":1}"));
        log.add(event(0, 9, "e0"));
        return log;
    }

    @Test
    void theChainIsTheSameWhateverTheBatchesAre() throws Exception {
        List<Incoming> log = log();
        DataSource whole = freshDatabase();
        assertThat(store(whole).append(log).chained()).isEqualTo(log.size() - 2);

        DataSource oneByOne = freshDatabase();
        for (Incoming record : log) {
            store(oneByOne).append(List.of(record));
        }

        DataSource random = freshDatabase();
        Random sizes = new Random(15);
        for (int from = 0; from < log.size(); ) {
            int to = Math.min(log.size(), from + 1 + sizes.nextInt(10));
            store(random).append(log.subList(from, to));
            from = to;
        }

        List<ChainHead> heads = store(whole).heads();
        assertThat(heads).hasSize(5);
        for (DataSource other : List.of(oneByOne, random)) {
            assertThat(ChainHead.digest(store(other).heads())).isEqualTo(ChainHead.digest(heads));
            try (Connection a = whole.getConnection(); Connection b = other.getConnection()) {
                assertThat(Entries.all(b)).extracting(Entries.Entry::hash)
                        .containsExactlyElementsOf(Entries.all(a).stream().map(Entries.Entry::hash).toList());
            }
        }
        assertThat(heads).extracting(ChainHead::duplicates).containsExactly(1L, 0L, 0L, 1L, 0L);
        try (Connection connection = whole.getConnection()) {
            ChainVerifier.Result result = ChainVerifier.verify(connection);
            assertThat(result.breaks()).isEmpty();
            assertThat(result.heads()).extracting(ChainHead::headHex)
                    .containsExactlyElementsOf(heads.stream().map(ChainHead::headHex).toList());
            assertThat(result.entries()).isEqualTo(log.size() - 2);
        }
    }

    @Test
    void aRecordDeliveredAgainAtItsOffsetIsNotChainedAgain() throws Exception {
        ChainStore store = store(freshDatabase());
        store.append(List.of(audit(0, 0, "x"), audit(0, 1, "y"), audit(0, 2, "z")));
        AppendResult again = store.append(List.of(audit(0, 1, "y"), audit(0, 2, "z"), audit(0, 3, "w")));
        assertThat(again.chained()).isEqualTo(1);
        assertThat(again.duplicates()).isEmpty(); // not a duplicate: the same delivery, seen before
        assertThat(again.nextOffsets()).isEqualTo(Map.of(new ChainId(AUDIT, 0), 4L));
        assertThat(store.heads()).singleElement().satisfies(head -> {
            assertThat(head.entries()).isEqualTo(4);
            assertThat(head.lastOffset()).isEqualTo(3);
            assertThat(head.duplicates()).isZero();
        });
        assertThat(store.positions(List.of(new ChainId(AUDIT, 0), new ChainId(AUDIT, 1))))
                .isEqualTo(Map.of(new ChainId(AUDIT, 0), 4L));
    }

    @Test
    void aRecordWhoseIdItsChainHoldsIsSkippedAndCounted() throws Exception {
        ChainStore store = store(freshDatabase());
        store.append(List.of(audit(0, 0, "x")));
        AppendResult result = store.append(List.of(audit(0, 1, "x"), audit(0, 2, "y"), audit(0, 3, "y"), audit(1, 0, "x")));
        assertThat(result.chained()).isEqualTo(2);
        assertThat(result.duplicates()).extracting(AppendResult.Duplicate::position)
                .containsExactly("kms.audit/0@1", "kms.audit/0@3");
        assertThat(result.nextOffsets()).containsEntry(new ChainId(AUDIT, 0), 4L).containsEntry(new ChainId(AUDIT, 1), 1L);
        assertThat(store.heads()).extracting(ChainHead::entries).containsExactly(2L, 1L);
        assertThat(store.heads()).extracting(ChainHead::duplicates).containsExactly(2L, 0L);
        // The same id on the other topic is another record.
        assertThat(store.append(List.of(event(0, 0, "x"))).chained()).isEqualTo(1);
    }

    @Test
    void aRecordOfANewerSchemaStopsItsChainThere() throws Exception {
        ChainStore store = store(freshDatabase());
        List<Incoming> batch = List.of(audit(0, 0, "a"), raw(AUDIT, 0, 1, "{\"schemaVersion\":2,\"recordId\":\"b\"}"),
                audit(0, 2, "c"), audit(1, 0, "d"));
        AppendResult result = store.append(batch);
        assertThat(result.chained()).isEqualTo(2);
        assertThat(result.blocked()).containsOnlyKeys(new ChainId(AUDIT, 0));
        assertThat(result.blocked().get(new ChainId(AUDIT, 0)).offset()).isEqualTo(1);
        assertThat(result.nextOffsets()).containsEntry(new ChainId(AUDIT, 0), 1L).containsEntry(new ChainId(AUDIT, 1), 1L);
        // Read again, it stops there again: nothing after it is chained before it.
        assertThat(store.append(batch.subList(1, 3)).blocked()).containsOnlyKeys(new ChainId(AUDIT, 0));
        assertThat(store.heads()).extracting(ChainHead::entries).containsExactly(1L, 1L);
    }

    @Test
    void aFailedBatchLeavesNothingBehind() throws Exception {
        ChainStore store = store(freshDatabase());
        store.append(List.of(audit(0, 0, "a")));
        List<ChainHead> before = store.heads();
        assertThatThrownBy(() -> store.append(List.of(audit(0, 1, "b"), raw("elsewhere", 0, 0, "{}"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.heads()).usingRecursiveFieldByFieldElementComparator().isEqualTo(before);
        assertThat(store.append(List.of(audit(0, 1, "b"))).chained()).isEqualTo(1);
    }
}
