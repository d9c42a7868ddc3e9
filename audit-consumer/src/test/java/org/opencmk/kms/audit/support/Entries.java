package org.opencmk.kms.audit.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** The stored entries, read straight from {@code audit.entry}, in chain order. */
public final class Entries {

    private Entries() {
    }

    public record Entry(String topic, int partition, long seq, long offset, String id, byte[] value, String hash) {
        public String chain() {
            return topic + "/" + partition;
        }
    }

    public static List<Entry> all(Connection connection) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("""
                SELECT topic, kafka_partition, seq, kafka_offset, record_id, value, hash
                FROM audit.entry ORDER BY topic, kafka_partition, seq""");
                ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                entries.add(new Entry(rows.getString(1), rows.getInt(2), rows.getLong(3), rows.getLong(4),
                        rows.getString(5), rows.getBytes(6), HexFormat.of().formatHex(rows.getBytes(7))));
            }
        }
        return entries;
    }
}
