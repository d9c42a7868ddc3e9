package org.opencmk.kms.audit.chain;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Recomputes every chain from the stored entries alone: each entry's hash from its fields and the
 * hash before it, its id and query columns from its value, and the chain's recorded head from its
 * last entry. Any stored byte changed (a value, an id, an offset, a hash, a query column), an
 * entry removed from the middle or the end, or an entry moved, breaks a chain; the first broken
 * entry of each chain is named.
 *
 * <p>Reads in one read-only, repeatable-read transaction, so it may run while the consumer adds
 * entries and sees one consistent state.
 */
public final class ChainVerifier {

    /** Entries fetched from PostgreSQL at a time: the chains are streamed, never held in memory. */
    private static final int FETCH_SIZE = 1000;

    private ChainVerifier() {
    }

    /** The first broken entry of a chain, and what is wrong with it. */
    public record Break(ChainId chain, long offset, long seq, String id, String reason) {
        public String line() {
            return "BROKEN " + chain + " offset=" + offset + " seq=" + seq + " id=" + (id == null ? "-" : id)
                    + ": " + reason;
        }
    }

    /**
     * @param heads the recomputed heads of the intact chains
     * @param breaks the first broken entry of each broken chain
     * @param entries how many entries were read
     */
    public record Result(List<ChainHead> heads, List<Break> breaks, long entries) {
        public boolean intact() {
            return breaks.isEmpty();
        }
    }

    public static Result verify(Connection connection) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        connection.setReadOnly(true);
        try {
            return verifyInSnapshot(connection);
        } finally {
            connection.rollback();
            connection.setReadOnly(false);
            connection.setAutoCommit(autoCommit);
        }
    }

    private static Result verifyInSnapshot(Connection connection) throws SQLException {
        Map<ChainId, ChainHead> recorded = new LinkedHashMap<>();
        for (ChainHead head : ChainStore.heads(connection)) {
            recorded.put(head.chain(), head);
        }
        List<ChainHead> heads = new ArrayList<>();
        List<Break> breaks = new ArrayList<>();
        long entries = 0;
        try (PreparedStatement select = connection.prepareStatement("""
                SELECT topic, kafka_partition, seq, kafka_offset, kind, record_id, value, prev_hash, hash,
                       record_time, action, key_ids, account_ids, secret_ids
                FROM audit.entry ORDER BY topic, kafka_partition, seq""")) {
            select.setFetchSize(FETCH_SIZE);
            try (ResultSet rows = select.executeQuery()) {
                Walk walk = null;
                while (rows.next()) {
                    entries++;
                    ChainId chain = new ChainId(rows.getString(1), rows.getInt(2));
                    if (walk == null || !walk.chain.equals(chain)) {
                        if (walk != null) {
                            walk.finish(recorded.remove(walk.chain), heads, breaks);
                        }
                        walk = new Walk(chain);
                    }
                    if (walk.broken == null) {
                        walk.step(rows);
                    }
                }
                if (walk != null) {
                    walk.finish(recorded.remove(walk.chain), heads, breaks);
                }
            }
        }
        // Chains with a recorded head but no entries at all.
        for (ChainHead head : recorded.values()) {
            if (head.entries() == 0 && head.lastOffset() == null && Arrays.equals(head.head(), ChainEncoding.genesis())) {
                heads.add(head);
            } else {
                breaks.add(new Break(head.chain(), head.lastOffset() == null ? -1 : head.lastOffset(), head.entries(), null,
                        "the chain's recorded head (entries=" + head.entries() + ", head=" + head.headHex()
                                + ") has no entries behind it: they were removed"));
            }
        }
        heads.sort((a, b) -> a.chain().compareTo(b.chain()));
        breaks.sort((a, b) -> a.chain().compareTo(b.chain()));
        return new Result(heads, breaks, entries);
    }

    /** One chain's entries, walked in seq order. */
    private static final class Walk {
        final ChainId chain;
        long expectedSeq = 1;
        long lastOffset = -1;
        byte[] head = ChainEncoding.genesis();
        Break broken;

        Walk(ChainId chain) {
            this.chain = chain;
        }

        void step(ResultSet row) throws SQLException {
            long seq = row.getLong(3);
            long offset = row.getLong(4);
            String kindCode = row.getString(5);
            String id = row.getString(6);
            byte[] value = row.getBytes(7);
            byte[] prevHash = row.getBytes(8);
            byte[] hash = row.getBytes(9);
            String reason = null;
            if (seq != expectedSeq) {
                reason = "seq " + seq + " where " + expectedSeq + " was expected: an entry before it is missing";
            } else if (offset <= lastOffset) {
                reason = "its offset is not after the previous entry's (" + lastOffset + ")";
            } else if (!Arrays.equals(prevHash, head)) {
                reason = "prev_hash " + hex(prevHash) + " is not the previous entry's hash " + hex(head);
            } else {
                RecordKind kind = kindOf(kindCode);
                if (kind == null) {
                    reason = "unknown kind " + kindCode;
                } else if (!Arrays.equals(hash, ChainEncoding.hash(head, chain.topic(), chain.partition(), offset, seq,
                        kind, id, value))) {
                    reason = "hash " + hex(hash) + " does not match the entry: its value, id, offset, seq, kind "
                            + "or hash was changed";
                } else {
                    reason = derivedMismatch(kind, id, value, row);
                }
            }
            if (reason != null) {
                broken = new Break(chain, offset, seq, id, reason);
                return;
            }
            expectedSeq = seq + 1;
            lastOffset = offset;
            head = hash;
        }

        void finish(ChainHead recorded, List<ChainHead> heads, List<Break> breaks) {
            if (broken != null) {
                breaks.add(broken);
                return;
            }
            long entries = expectedSeq - 1;
            if (recorded == null) {
                breaks.add(new Break(chain, lastOffset, entries, null, "the chain has no recorded head"));
            } else if (recorded.entries() != entries || !Objects.equals(recorded.lastOffset(), lastOffset)
                    || !Arrays.equals(recorded.head(), head) || recorded.nextOffset() <= lastOffset) {
                breaks.add(new Break(chain, lastOffset, entries, null, "this last entry is not the chain's recorded head "
                        + "(entries=" + recorded.entries() + ", lastOffset=" + recorded.lastOffset() + ", head="
                        + recorded.headHex() + "): entries after it were removed, or the head was changed"));
            } else {
                heads.add(recorded);
            }
        }
    }

    /** Null if the id and query columns are what the value yields; else what differs. */
    private static String derivedMismatch(RecordKind kind, String id, byte[] value, ResultSet row) throws SQLException {
        ParsedRecord parsed;
        try {
            parsed = RecordParser.parse(kind, value);
        } catch (UnsupportedSchemaException e) {
            return "its value has a schema version no entry can have: " + e.getMessage();
        }
        if (!Objects.equals(parsed.id(), id)) {
            return "record_id is not its value's " + parsed.kind().idField();
        }
        OffsetDateTime storedTime = row.getObject(10, OffsetDateTime.class);
        Instant time = storedTime == null ? null : storedTime.toInstant();
        if (!Objects.equals(parsed.time(), time)) {
            return "record_time is not its value's time";
        }
        if (!Objects.equals(parsed.action(), row.getString(11))) {
            return "action is not its value's";
        }
        if (!parsed.keyIds().equals(list(row.getArray(12)))) {
            return "key_ids are not its value's";
        }
        if (!parsed.accountIds().equals(list(row.getArray(13)))) {
            return "account_ids are not its value's";
        }
        if (!parsed.secretIds().equals(list(row.getArray(14)))) {
            return "secret_ids are not its value's";
        }
        return null;
    }

    private static List<Object> list(java.sql.Array array) throws SQLException {
        return array == null ? null : Arrays.asList((Object[]) array.getArray());
    }

    private static RecordKind kindOf(String code) {
        try {
            return RecordKind.ofCode(code);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String hex(byte[] bytes) {
        return bytes == null ? "null" : HexFormat.of().formatHex(bytes);
    }
}
