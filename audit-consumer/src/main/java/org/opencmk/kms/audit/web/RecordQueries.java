package org.opencmk.kms.audit.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.sql.DataSource;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The entries that match a {@link RecordQuery}, through the indexes on the derived columns. Blocking: JDBC. */
public final class RecordQueries {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DataSource dataSource;

    public RecordQueries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * One entry as the HTTP API shows it: its place in its chain, its hashes, and the record
     * ({@code record}, the JSON as received; or {@code value}, base64, for a value that is not JSON).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String topic, int partition, long offset, long seq, String kind, String id, Instant time,
            String prevHash, String hash, JsonNode record, String value) {
    }

    public List<Entry> find(RecordQuery query) throws SQLException {
        StringBuilder sql = new StringBuilder("""
                SELECT topic, kafka_partition, kafka_offset, seq, kind, record_id, record_time, prev_hash, hash, value
                FROM audit.entry WHERE true""");
        List<Object> parameters = new ArrayList<>();
        if (query.keyId() != null) {
            sql.append(" AND key_ids @> ARRAY[?]::text[]");
            parameters.add(query.keyId());
        }
        if (query.accountId() != null) {
            sql.append(" AND account_ids @> ARRAY[?]::bigint[]");
            parameters.add(query.accountId());
        }
        if (query.secretId() != null) {
            sql.append(" AND secret_ids @> ARRAY[?]::text[]");
            parameters.add(query.secretId());
        }
        if (query.action() != null) {
            sql.append(" AND action = ?");
            parameters.add(query.action());
        }
        if (query.kind() != null) {
            sql.append(" AND kind = ?");
            parameters.add(query.kind());
        }
        if (query.from() != null) {
            sql.append(" AND record_time >= ?");
            parameters.add(OffsetDateTime.ofInstant(query.from(), ZoneOffset.UTC));
        }
        if (query.to() != null) {
            sql.append(" AND record_time < ?");
            parameters.add(OffsetDateTime.ofInstant(query.to(), ZoneOffset.UTC));
        }
        String direction = query.newestFirst() ? "DESC" : "ASC";
        // Ties (and records without a time, last either way) in chain order, so pages never overlap.
        sql.append(" ORDER BY record_time ").append(direction).append(" NULLS LAST, topic ").append(direction)
                .append(", kafka_partition ").append(direction).append(", seq ").append(direction)
                .append(" LIMIT ? OFFSET ?");
        parameters.add(query.limit());
        parameters.add(query.offset());

        List<Entry> entries = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < parameters.size(); i++) {
                select.setObject(i + 1, parameters.get(i));
            }
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    OffsetDateTime time = rows.getObject(7, OffsetDateTime.class);
                    byte[] value = rows.getBytes(10);
                    JsonNode record = json(value);
                    entries.add(new Entry(rows.getString(1), rows.getInt(2), rows.getLong(3), rows.getLong(4),
                            rows.getString(5), rows.getString(6), time == null ? null : time.toInstant(),
                            HexFormat.of().formatHex(rows.getBytes(8)), HexFormat.of().formatHex(rows.getBytes(9)),
                            record, record == null ? Base64.getEncoder().encodeToString(value) : null));
                }
            }
        }
        return entries;
    }

    private static JsonNode json(byte[] value) {
        try {
            JsonNode node = JSON.readTree(value);
            return node == null || node.isMissingNode() ? null : node;
        } catch (JacksonException e) {
            return null;
        }
    }
}
