-- Credentials can be disabled, enabled and deleted, and every node keeps all of them in memory
-- (authentication never queries the database). Each node polls for rows whose change_seq is above
-- the highest it has seen, so every insert and update takes a new change_seq.
--
-- A deleted credential stays as a tombstone (state DELETED, wrapped SecretKey erased): the poll
-- then sees the deletion like any other change, and the SecretId can never be issued again.

CREATE SEQUENCE kms_credential_change_seq;

ALTER TABLE kms_credential
    ADD COLUMN state VARCHAR(16) NOT NULL DEFAULT 'ENABLED'
        CONSTRAINT kms_credential_state_check CHECK (state IN ('ENABLED', 'DISABLED', 'DELETED')),
    ADD COLUMN change_seq BIGINT NOT NULL DEFAULT nextval('kms_credential_change_seq'),
    ALTER COLUMN wrapped_secret_key DROP NOT NULL,
    ADD CONSTRAINT kms_credential_secret_erased_on_delete
        CHECK ((state = 'DELETED') = (wrapped_secret_key IS NULL));

CREATE INDEX kms_credential_change_seq_idx ON kms_credential (change_seq);
CREATE INDEX kms_credential_account_idx ON kms_credential (account_id, created_at, secret_id);

-- change_seq is taken by a trigger, so that no writer (not even a hand-written UPDATE) can change
-- a row unseen by the other nodes. The advisory lock, held to the end of the writing transaction,
-- makes writers take their change_seq in the order they commit: without it a writer could commit
-- change_seq 10 after a poll had already seen 11 and moved past 10 for good.
CREATE FUNCTION kms_credential_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('kms_credential_change_seq'));
    NEW.change_seq := nextval('kms_credential_change_seq');
    RETURN NEW;
END;
$$;

CREATE TRIGGER kms_credential_change_seq
    BEFORE INSERT OR UPDATE ON kms_credential
    FOR EACH ROW EXECUTE FUNCTION kms_credential_changed();
