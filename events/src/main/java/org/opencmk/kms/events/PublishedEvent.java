package org.opencmk.kms.events;

import java.util.Map;

/**
 * One event of a key's or an account's alias history as the KMS publishes it to the events topic
 * ({@code KMS_KAFKA_EVENTS_TOPIC}, default {@code kms.events}), a JSON object with exactly these
 * field names, keyed by {@code keyId} (by {@code accountId} when there is none) so that one key's
 * history stays in order in one partition. {@link AuditRecord} is its counterpart on the audit
 * topic ({@code KMS_KAFKA_AUDIT_TOPIC}, default {@code kms.audit}). These two records and this
 * module's event records are all a consumer needs.
 *
 * @param schemaVersion {@value #SCHEMA_VERSION}; a consumer refuses a higher one it does not know
 * @param type the event's type, the simple name of its record in this module ({@code KeyCreated},
 *     {@code KeyVersionCreated}, {@code AliasCreated}, …)
 * @param eventId unique per event (the event store's identifier): an event delivered twice is the
 *     same event
 * @param keyId the key the event belongs to; null for an alias event that names none
 * @param accountId the account that owns the key or the alias
 * @param sequence the event's position in its aggregate's history (a key's events count 0, 1, …;
 *     an account's alias events likewise), so that a consumer can tell a gap or a repeat
 * @param time when the event happened, ISO-8601 in UTC
 * @param payload the event record's fields by their names in this module, as JSON; never wrapped
 *     key material ({@code material}) or material fingerprints ({@code fingerprint}), which are
 *     left out
 */
public record PublishedEvent(
        int schemaVersion,
        String type,
        String eventId,
        String keyId,
        Long accountId,
        long sequence,
        String time,
        Map<String, Object> payload) {

    public static final int SCHEMA_VERSION = 1;
}
