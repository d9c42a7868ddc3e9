-- The asymmetric key versions each account holds, for its limit (CTyun guide 1.7: at most 50 per
-- account; KMS_ASYMMETRIC_VERSION_LIMIT). A row is written in the transaction of the command that
-- creates the version (CreateKey or CreateKeyVersion) and removed in the one that deletes the key,
-- so the count is exact and a failed command leaves nothing. Ids only: no key material.
CREATE TABLE kms_asymmetric_versions (
    account     BIGINT       NOT NULL,
    key_id      VARCHAR(36)  NOT NULL,
    version_id  VARCHAR(36)  NOT NULL,
    PRIMARY KEY (key_id, version_id)
);
CREATE INDEX kms_asymmetric_versions_account_idx ON kms_asymmetric_versions (account);
