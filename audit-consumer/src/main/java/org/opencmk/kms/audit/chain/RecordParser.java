package org.opencmk.kms.audit.chain;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the id and the query columns out of a record's value ({@link ParsedRecord}). A pure
 * function of the kind and the bytes: the consumer and {@code verify} must derive the same.
 *
 * <p>A value that cannot be one of the KMS's records (not JSON, not an object, a duplicate field
 * name, no id, a schemaVersion below 1) is still chained, as an invalid entry without an id, so
 * that nothing the topic held is missing from the log. One whose schemaVersion is higher than
 * this consumer knows is refused ({@link UnsupportedSchemaException}).
 *
 * <p>Whatever goes into an indexed column must be storable whatever a producer sent, or one
 * record would stop its partition for good: strings longer than {@value #MAX_INDEXED_LENGTH}
 * characters or holding NUL are left out of the query columns (an id like that makes the record
 * invalid), and times outside the years 1–9999 are no time.
 */
public final class RecordParser {

    static final int MAX_INDEXED_LENGTH = 256;
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private RecordParser() {
    }

    public static ParsedRecord parse(RecordKind kind, byte[] value) throws UnsupportedSchemaException {
        JsonNode root;
        try {
            root = JSON.readTree(value);
        } catch (JacksonException e) {
            return ParsedRecord.invalid(kind, "not JSON");
        }
        if (root == null || !root.isObject()) {
            return ParsedRecord.invalid(kind, "not a JSON object");
        }
        JsonNode version = root.get("schemaVersion");
        if (version == null || !version.isIntegralNumber() || !version.canConvertToInt() || version.intValue() < 1) {
            return ParsedRecord.invalid(kind, "no schemaVersion");
        }
        if (version.intValue() > kind.schemaVersion()) {
            throw new UnsupportedSchemaException(kind, version.intValue());
        }
        String id = indexable(root.get(kind.idField()));
        if (id == null || id.isEmpty()) {
            return ParsedRecord.invalid(kind, "no " + kind.idField());
        }
        Instant time = time(indexable(root.get("time")));
        return switch (kind) {
            case AUDIT -> new ParsedRecord(kind, id, null, time,
                    indexable(root.get("action")),
                    strings(root.get("keyId"), root.get("sourceKeyId"), root.get("requestedKey")),
                    longs(root.get("accountId"), root.get("targetAccount")),
                    strings(root.get("secretId"), root.get("targetSecretId")));
            case EVENT -> {
                JsonNode payload = root.get("payload");
                JsonNode previousKeyId = payload != null && payload.isObject() ? payload.get("previousKeyId") : null;
                yield new ParsedRecord(kind, id, null, time,
                        indexable(root.get("type")),
                        strings(root.get("keyId"), previousKeyId),
                        longs(root.get("accountId")),
                        List.of());
            }
        };
    }

    /** A string field's value if a column can hold and index it, else null. */
    private static String indexable(JsonNode node) {
        if (node == null || !node.isString()) {
            return null;
        }
        String text = node.stringValue();
        return text.length() <= MAX_INDEXED_LENGTH && text.indexOf('\0') < 0 ? text : null;
    }

    private static List<String> strings(JsonNode... nodes) {
        List<String> values = new ArrayList<>();
        for (JsonNode node : nodes) {
            String text = indexable(node);
            if (text != null && !text.isEmpty() && !values.contains(text)) {
                values.add(text);
            }
        }
        return values;
    }

    private static List<Long> longs(JsonNode... nodes) {
        List<Long> values = new ArrayList<>();
        for (JsonNode node : nodes) {
            if (node != null && node.isIntegralNumber() && node.canConvertToLong() && !values.contains(node.longValue())) {
                values.add(node.longValue());
            }
        }
        return values;
    }

    /** ISO-8601 with an offset (the KMS writes UTC, {@code …Z}), at PostgreSQL's microseconds. */
    static Instant time(String text) {
        if (text == null) {
            return null;
        }
        try {
            Instant time = OffsetDateTime.parse(text).toInstant().truncatedTo(ChronoUnit.MICROS);
            return time.isBefore(EARLIEST) || time.isAfter(LATEST) ? null : time;
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
