package org.opencmk.kms.audit.chain;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The chains in PostgreSQL (schema {@code audit}): {@code audit.entry} holds the entries,
 * {@code audit.chain} each chain's head and the offset to read next.
 *
 * <p>The database, not Kafka, knows where each partition resumes: an entry and the chain's next
 * offset are committed in one transaction, so a record is chained once even when Kafka delivers it
 * again (a crash between the database commit and Kafka's offset commit, a rebalance). A record
 * whose id its chain holds already, at another offset (the producer sent it twice), is a duplicate:
 * it is skipped and counted, and the chain's next offset moves past it.
 *
 * <p>Everything a chain gets is decided by its own partition's records in offset order, never by
 * another partition's, so reading the topics again from the start into an empty database builds
 * the same chains, whatever batches the records come in. That is why duplicates are recognised
 * within their chain: a record is re-sent to its key's partition, and Kafka redelivers within a
 * partition; an id that turns up in two partitions (the topic's partition count changed while a
 * record was re-sent) is chained in each.
 */
public final class ChainStore {

    private static final String INSERT_ENTRY = """
            INSERT INTO audit.entry (topic, kafka_partition, seq, kafka_offset, kind, record_id, value, prev_hash,
                                     hash, record_time, action, key_ids, account_ids, secret_ids)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    private final DataSource dataSource;
    private final Function<String, RecordKind> kindOfTopic;

    /** @param kindOfTopic which schema each consumed topic has */
    public ChainStore(DataSource dataSource, Function<String, RecordKind> kindOfTopic) {
        this.dataSource = dataSource;
        this.kindOfTopic = kindOfTopic;
    }

    /** The offset each chain resumes at; a chain not in the answer has never been read (start at the beginning). */
    public Map<ChainId, Long> positions(Collection<ChainId> chains) throws SQLException {
        Map<ChainId, Long> positions = new HashMap<>();
        Set<ChainId> wanted = new HashSet<>(chains);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT topic, kafka_partition, next_offset FROM audit.chain");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                ChainId chain = new ChainId(rows.getString(1), rows.getInt(2));
                if (wanted.contains(chain)) {
                    positions.put(chain, rows.getLong(3));
                }
            }
        }
        return positions;
    }

    /**
     * Chains {@code records} in one transaction: each chain's records in offset order, skipping
     * those before its next offset (delivered again) and duplicates, stopping at a record of an
     * unknown schema version. Nothing is committed if anything fails.
     */
    public AppendResult append(List<Incoming> records) throws SQLException {
        Map<ChainId, List<Incoming>> byChain = new TreeMap<>();
        for (Incoming record : records) {
            byChain.computeIfAbsent(record.chain(), c -> new ArrayList<>()).add(record);
        }
        byChain.values().forEach(list -> list.sort(Comparator.comparingLong(Incoming::offset)));

        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                AppendResult result = append(connection, byChain);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection, e);
                throw e;
            }
        }
    }

    private AppendResult append(Connection connection, Map<ChainId, List<Incoming>> byChain) throws SQLException {
        // Locked in one order (ChainId's), so two writers of the same chains never deadlock;
        // the second waits, then sees the first one's entries.
        Map<ChainId, State> states = new LinkedHashMap<>();
        for (ChainId chain : byChain.keySet()) {
            states.put(chain, lock(connection, chain));
        }
        // Parsed in chain order; a chain's parsing stops at a record it refuses.
        Map<ChainId, List<Parsed>> parsed = new LinkedHashMap<>();
        for (var chain : byChain.entrySet()) {
            RecordKind kind = kindOfTopic.apply(chain.getKey().topic());
            List<Parsed> outcomes = new ArrayList<>();
            for (Incoming record : chain.getValue()) {
                try {
                    outcomes.add(new Parsed(record, RecordParser.parse(kind, record.value()), null));
                } catch (UnsupportedSchemaException e) {
                    outcomes.add(new Parsed(record, null, e));
                    break;
                }
            }
            parsed.put(chain.getKey(), outcomes);
        }
        Map<ChainId, Set<String>> chainedIds = alreadyChained(connection, parsed);
        Map<ChainId, Long> nextOffsets = new LinkedHashMap<>();
        List<AppendResult.Duplicate> duplicates = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        Map<ChainId, AppendResult.Blocked> blocked = new LinkedHashMap<>();
        int chained = 0;
        try (PreparedStatement insert = connection.prepareStatement(INSERT_ENTRY)) {
            for (var chain : parsed.entrySet()) {
                State state = states.get(chain.getKey());
                Set<String> seen = chainedIds.computeIfAbsent(chain.getKey(), c -> new HashSet<>());
                for (Parsed outcome : chain.getValue()) {
                    Incoming record = outcome.record();
                    if (record.offset() < state.nextOffset) {
                        continue; // chained (or skipped) before: Kafka delivered it again
                    }
                    if (outcome.refused() != null) {
                        blocked.put(chain.getKey(), new AppendResult.Blocked(record.offset(), outcome.refused().getMessage()));
                        break;
                    }
                    ParsedRecord entry = outcome.parsed();
                    if (entry.id() != null && !seen.add(entry.id())) {
                        duplicates.add(new AppendResult.Duplicate(record.position(), entry.id()));
                        state.duplicates++;
                        state.nextOffset = record.offset() + 1;
                        continue;
                    }
                    if (!entry.valid()) {
                        invalid.add(record.position() + " (" + entry.invalid() + ")");
                    }
                    long seq = state.entries + 1;
                    byte[] hash = ChainEncoding.hash(state.head, record.topic(), record.partition(), record.offset(), seq,
                            entry.kind(), entry.id(), record.value());
                    bind(connection, insert, record, seq, entry, state.head, hash);
                    insert.addBatch();
                    state.entries = seq;
                    state.head = hash;
                    state.headOffset = record.offset();
                    state.nextOffset = record.offset() + 1;
                    chained++;
                }
            }
            if (chained > 0) {
                insert.executeBatch();
            }
        }
        try (PreparedStatement update = connection.prepareStatement("""
                UPDATE audit.chain SET next_offset = ?, entries = ?, head_offset = ?, head_hash = ?, duplicates = ?
                WHERE topic = ? AND kafka_partition = ?""")) {
            for (var chain : states.entrySet()) {
                State state = chain.getValue();
                update.setLong(1, state.nextOffset);
                update.setLong(2, state.entries);
                if (state.headOffset == null) {
                    update.setNull(3, Types.BIGINT);
                } else {
                    update.setLong(3, state.headOffset);
                }
                update.setBytes(4, state.head);
                update.setLong(5, state.duplicates);
                update.setString(6, chain.getKey().topic());
                update.setInt(7, chain.getKey().partition());
                update.addBatch();
                nextOffsets.put(chain.getKey(), state.nextOffset);
            }
            update.executeBatch();
        }
        return new AppendResult(nextOffsets, chained, duplicates, invalid, blocked);
    }

    private static State lock(Connection connection, ChainId chain) throws SQLException {
        try (PreparedStatement create = connection.prepareStatement("""
                INSERT INTO audit.chain (topic, kafka_partition, next_offset, entries, head_hash, duplicates)
                VALUES (?, ?, 0, 0, ?, 0) ON CONFLICT DO NOTHING""")) {
            create.setString(1, chain.topic());
            create.setInt(2, chain.partition());
            create.setBytes(3, ChainEncoding.genesis());
            create.executeUpdate();
        }
        try (PreparedStatement select = connection.prepareStatement("""
                SELECT next_offset, entries, head_offset, head_hash, duplicates FROM audit.chain
                WHERE topic = ? AND kafka_partition = ? FOR UPDATE""")) {
            select.setString(1, chain.topic());
            select.setInt(2, chain.partition());
            try (ResultSet row = select.executeQuery()) {
                row.next();
                State state = new State();
                state.nextOffset = row.getLong(1);
                state.entries = row.getLong(2);
                state.headOffset = row.getObject(3, Long.class);
                state.head = row.getBytes(4);
                state.duplicates = row.getLong(5);
                return state;
            }
        }
    }

    /** For each chain, those of its batch's ids that it holds already. */
    private static Map<ChainId, Set<String>> alreadyChained(Connection connection, Map<ChainId, List<Parsed>> parsed)
            throws SQLException {
        Map<ChainId, Set<String>> found = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT record_id FROM audit.entry WHERE topic = ? AND kafka_partition = ? AND record_id = ANY (?)")) {
            for (var chain : parsed.entrySet()) {
                String[] ids = chain.getValue().stream().filter(p -> p.parsed() != null && p.parsed().id() != null)
                        .map(p -> p.parsed().id()).toArray(String[]::new);
                if (ids.length == 0) {
                    continue;
                }
                select.setString(1, chain.getKey().topic());
                select.setInt(2, chain.getKey().partition());
                select.setArray(3, connection.createArrayOf("text", ids));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        found.computeIfAbsent(chain.getKey(), c -> new HashSet<>()).add(rows.getString(1));
                    }
                }
            }
        }
        return found;
    }

    /** A record of the batch, read: its parsed fields, or why it is refused. */
    private record Parsed(Incoming record, ParsedRecord parsed, UnsupportedSchemaException refused) {
    }

    private static void bind(Connection connection, PreparedStatement insert, Incoming record, long seq, ParsedRecord entry,
            byte[] prevHash, byte[] hash) throws SQLException {
        insert.setString(1, record.topic());
        insert.setInt(2, record.partition());
        insert.setLong(3, seq);
        insert.setLong(4, record.offset());
        insert.setString(5, entry.kind().code());
        insert.setString(6, entry.id());
        insert.setBytes(7, record.value());
        insert.setBytes(8, prevHash);
        insert.setBytes(9, hash);
        if (entry.time() == null) {
            insert.setNull(10, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            insert.setObject(10, OffsetDateTime.ofInstant(entry.time(), ZoneOffset.UTC));
        }
        insert.setString(11, entry.action());
        insert.setArray(12, textArray(connection, entry.keyIds()));
        insert.setArray(13, connection.createArrayOf("bigint", entry.accountIds().toArray(Long[]::new)));
        insert.setArray(14, textArray(connection, entry.secretIds()));
    }

    private static Array textArray(Connection connection, List<String> values) throws SQLException {
        return connection.createArrayOf("text", values.toArray(String[]::new));
    }

    /** Every chain's head, by topic and partition. */
    public List<ChainHead> heads() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return heads(connection);
        }
    }

    static List<ChainHead> heads(Connection connection) throws SQLException {
        List<ChainHead> heads = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("""
                SELECT topic, kafka_partition, entries, head_offset, next_offset, head_hash, duplicates
                FROM audit.chain ORDER BY topic, kafka_partition""");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                heads.add(new ChainHead(new ChainId(rows.getString(1), rows.getInt(2)), rows.getLong(3),
                        rows.getObject(4, Long.class), rows.getLong(5), rows.getBytes(6), rows.getLong(7)));
            }
        }
        return heads;
    }

    private static void rollbackQuietly(Connection connection, Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** A chain's row, locked for the transaction, as the batch moves it on. */
    private static final class State {
        long nextOffset;
        long entries;
        Long headOffset;
        byte[] head;
        long duplicates;
    }
}
