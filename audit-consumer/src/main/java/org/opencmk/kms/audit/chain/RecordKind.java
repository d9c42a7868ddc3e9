package org.opencmk.kms.audit.chain;

import org.opencmk.kms.events.AuditRecord;
import org.opencmk.kms.events.PublishedEvent;

/**
 * Which schema a topic's records have, and so which field is their id. Stored with each entry and
 * covered by its hash: what an entry's id was read as is part of what the chain attests.
 */
public enum RecordKind {
    /** {@link AuditRecord} on the audit topic; its id is {@code recordId}. */
    AUDIT("audit", "recordId", AuditRecord.SCHEMA_VERSION),
    /** {@link PublishedEvent} on the events topic; its id is {@code eventId}. */
    EVENT("event", "eventId", PublishedEvent.SCHEMA_VERSION);

    private final String code;
    private final String idField;
    private final int schemaVersion;

    RecordKind(String code, String idField, int schemaVersion) {
        this.code = code;
        this.idField = idField;
        this.schemaVersion = schemaVersion;
    }

    /** As stored and hashed: {@code audit} or {@code event}. */
    public String code() {
        return code;
    }

    public String idField() {
        return idField;
    }

    /** The newest schema version this consumer knows; a record with a higher one is refused. */
    public int schemaVersion() {
        return schemaVersion;
    }

    /** @throws IllegalArgumentException for a code that is neither */
    public static RecordKind ofCode(String code) {
        for (RecordKind kind : values()) {
            if (kind.code.equals(code)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("no record kind " + code);
    }
}
