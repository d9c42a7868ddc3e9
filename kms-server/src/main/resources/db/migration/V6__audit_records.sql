-- Every API call's audit record (issue 15), committed before the call is answered, in groups (one
-- transaction carries the records of many concurrent calls). The record is the JSON object the
-- events module documents (AuditRecord, schemaVersion 1): identifiers, outcome and non-secret
-- parameters only, kept as written (JSON, not JSONB: no conversion on the hot path; ->> works on
-- both). seq orders the rows as they were inserted, for whoever reads them on.
CREATE TABLE kms_audit_record (
    seq          BIGSERIAL    PRIMARY KEY,
    record_id    UUID         NOT NULL UNIQUE,
    recorded_at  TIMESTAMPTZ  NOT NULL,
    record       JSON         NOT NULL
);
CREATE INDEX kms_audit_record_time_idx ON kms_audit_record (recorded_at);
