-- The tamper-evident audit log: one hash chain per (topic, partition) of the KMS's topics.
-- Every column of audit.entry is either covered by its hash (topic … hash) or derived from its
-- value (record_time … secret_ids); `verify` recomputes both.

CREATE TABLE audit.entry (
    topic           text     NOT NULL,
    kafka_partition integer  NOT NULL,
    seq             bigint   NOT NULL,  -- 1, 2, … within the chain
    kafka_offset    bigint   NOT NULL,
    kind            text     NOT NULL,  -- 'audit' (AuditRecord) or 'event' (PublishedEvent)
    record_id       text,               -- recordId / eventId; NULL for a value that is no readable record
    value           bytea    NOT NULL,  -- the Kafka record's value, byte for byte as received
    prev_hash       bytea    NOT NULL,
    hash            bytea    NOT NULL,
    -- derived from value, for queries
    record_time     timestamptz,
    action          text,
    key_ids         text[]   NOT NULL,
    account_ids     bigint[] NOT NULL,
    secret_ids      text[]   NOT NULL,
    PRIMARY KEY (topic, kafka_partition, seq),
    UNIQUE (topic, kafka_partition, kafka_offset)
);

-- A record id is chained once per chain (NULLs, the unreadable values, are all distinct). Not once
-- per topic: which of two partitions saw an id first depends on fetch timing, and a replay must
-- rebuild the same chains. Kafka redelivers, and the KMS re-sends, a record to its key's partition.
CREATE UNIQUE INDEX entry_record_id ON audit.entry (topic, kafka_partition, record_id);
CREATE INDEX entry_time ON audit.entry (record_time);
CREATE INDEX entry_action_time ON audit.entry (action, record_time);
CREATE INDEX entry_key_ids ON audit.entry USING gin (key_ids);
CREATE INDEX entry_account_ids ON audit.entry USING gin (account_ids);
CREATE INDEX entry_secret_ids ON audit.entry USING gin (secret_ids);

-- Each chain's head and where its partition resumes; updated in the transaction that adds entries.
CREATE TABLE audit.chain (
    topic           text    NOT NULL,
    kafka_partition integer NOT NULL,
    next_offset     bigint  NOT NULL,   -- the offset to read next
    entries         bigint  NOT NULL,   -- the last entry's seq
    head_offset     bigint,             -- the last entry's offset
    head_hash       bytea   NOT NULL,   -- the last entry's hash (32 zero bytes before the first)
    duplicates      bigint  NOT NULL,   -- records skipped because their id was chained before
    PRIMARY KEY (topic, kafka_partition)
);
