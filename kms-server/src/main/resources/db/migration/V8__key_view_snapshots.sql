-- Snapshots of the key view (issue 17), so that a start reads the newest one and only the events
-- after it. A snapshot is labelled with a position of the event stream (an Axon gap-aware
-- tracking token: the index, and the lower indexes not yet seen then) and with the event at that
-- index (its aggregate and sequence number): a start checks the event store still holds that very
-- event there before it trusts the snapshot. Its bytes are stored in chunks, with their SHA-256.
-- They hold what the events hold (wrapped key material included), never plaintext.
CREATE TABLE kms_key_view_snapshot (
    id                BIGSERIAL    PRIMARY KEY,
    layout            VARCHAR(64)  NOT NULL,
    token_index       BIGINT       NOT NULL,
    token_gaps        TEXT         NOT NULL,
    anchor_aggregate  VARCHAR(255) NOT NULL,
    anchor_sequence   BIGINT       NOT NULL,
    key_count         BIGINT       NOT NULL,
    alias_count       BIGINT       NOT NULL,
    size_bytes        BIGINT       NOT NULL,
    sha256            BYTEA        NOT NULL,
    written_by        VARCHAR(255) NOT NULL,
    written_at        TIMESTAMPTZ  NOT NULL
);

CREATE TABLE kms_key_view_snapshot_chunk (
    snapshot_id  BIGINT  NOT NULL REFERENCES kms_key_view_snapshot (id) ON DELETE CASCADE,
    chunk        INT     NOT NULL,
    data         BYTEA   NOT NULL,
    PRIMARY KEY (snapshot_id, chunk)
);
