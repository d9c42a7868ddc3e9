package org.opencmk.kms.audit.chain;

import java.time.Instant;
import java.util.List;

/**
 * What the consumer reads out of a record's value: its id, which decides whether it is a
 * duplicate, and the columns queries select by. All of it is derived from the value alone, so
 * {@code verify} derives it again and compares.
 *
 * @param id the record's {@code recordId} or {@code eventId}; null when the value is not a
 *     readable record ({@code invalid} says why), which is chained all the same
 * @param action an audit record's {@code action}, an event's {@code type}
 * @param keyIds the keys the record names (an audit record's keyId, sourceKeyId and requestedKey;
 *     an event's keyId and its payload's previousKeyId)
 * @param accountIds an audit record's accountId and targetAccount; an event's accountId
 * @param secretIds an audit record's secretId and targetSecretId
 */
public record ParsedRecord(
        RecordKind kind,
        String id,
        String invalid,
        Instant time,
        String action,
        List<String> keyIds,
        List<Long> accountIds,
        List<String> secretIds) {

    public ParsedRecord {
        keyIds = List.copyOf(keyIds);
        accountIds = List.copyOf(accountIds);
        secretIds = List.copyOf(secretIds);
    }

    static ParsedRecord invalid(RecordKind kind, String why) {
        return new ParsedRecord(kind, null, why, null, null, List.of(), List.of(), List.of());
    }

    public boolean valid() {
        return invalid == null;
    }
}
