package org.opencmk.kms.audit.chain;

/**
 * A record of a schema version newer than this consumer knows. The schemas' contract is to refuse
 * it, and the chain may not skip it either: its partition stops there until a consumer that knows
 * the version reads it.
 */
public final class UnsupportedSchemaException extends Exception {

    private final int schemaVersion;

    public UnsupportedSchemaException(RecordKind kind, int schemaVersion) {
        super("schemaVersion " + schemaVersion + " of " + kind.code() + " records is newer than this consumer knows ("
                + kind.schemaVersion() + ")", null, false, false);
        this.schemaVersion = schemaVersion;
    }

    public int schemaVersion() {
        return schemaVersion;
    }
}
