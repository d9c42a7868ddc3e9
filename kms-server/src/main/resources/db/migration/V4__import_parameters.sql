-- Bring your own key: the parameters GetParametersForImport issued (seed 000, step 2). One row per
-- ImportToken, found by the token's SHA-256 (the token itself is never stored). The wrapping
-- private key rests only wrapped under the root key, bound to the key and the token; it is
-- destroyed (set to NULL) when a newer call supersedes it or when it expires, and the row stays
-- so that a superseded or expired token is told apart from one never issued.
CREATE TABLE kms_import_parameters (
    token_hash          BYTEA        NOT NULL PRIMARY KEY,
    key_id              VARCHAR(36)  NOT NULL,
    wrapping_algorithm  VARCHAR(32)  NOT NULL,
    wrapping_key_spec   VARCHAR(16)  NOT NULL,
    wrapped_private_key BYTEA,
    issued_at           TIMESTAMPTZ  NOT NULL,
    valid_to            TIMESTAMPTZ  NOT NULL,
    superseded          BOOLEAN      NOT NULL DEFAULT FALSE
);
CREATE INDEX kms_import_parameters_key_idx ON kms_import_parameters (key_id);
CREATE INDEX kms_import_parameters_live_idx ON kms_import_parameters (valid_to) WHERE wrapped_private_key IS NOT NULL;
