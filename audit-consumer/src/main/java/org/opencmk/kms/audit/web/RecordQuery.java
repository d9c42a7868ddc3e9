package org.opencmk.kms.audit.web;

import java.time.Instant;

/**
 * The filters of {@code GET /records}; null means "any". They combine with AND.
 *
 * @param keyId a key the record names: an audit record's keyId, sourceKeyId or requestedKey; an
 *     event's keyId or its payload's previousKeyId
 * @param accountId an audit record's accountId or targetAccount; an event's accountId
 * @param secretId an audit record's secretId or targetSecretId
 * @param action an audit record's action, an event's type (e.g. {@code Encrypt}, {@code KeyCreated})
 * @param kind {@code audit} or {@code event}
 * @param from records at or after this time (the record's own {@code time})
 * @param to records before this time
 * @param newestFirst newest first (the default), else oldest first
 */
public record RecordQuery(
        String keyId,
        Long accountId,
        String secretId,
        String action,
        String kind,
        Instant from,
        Instant to,
        int limit,
        int offset,
        boolean newestFirst) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;
}
