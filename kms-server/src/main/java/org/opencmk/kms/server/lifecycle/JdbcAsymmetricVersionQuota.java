package org.opencmk.kms.server.lifecycle;

import org.opencmk.kms.command.lifecycle.AsymmetricVersionQuota;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.server.KmsProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The asymmetric version quota in {@code kms_asymmetric_versions} (migration V5). Both calls run in
 * the command's transaction (Axon's unit of work joins Spring's); a reservation first takes a
 * transaction-scoped advisory lock of its account, so that reservations of one account take turns
 * on every node sharing the database and each one counts what the ones before it committed.
 */
@Component
public class JdbcAsymmetricVersionQuota implements AsymmetricVersionQuota {

    private final JdbcTemplate jdbc;
    private final int limit;

    public JdbcAsymmetricVersionQuota(JdbcTemplate jdbc, KmsProperties properties) {
        if (properties.asymmetricVersionLimit() < 1) {
            throw new IllegalArgumentException("KMS_ASYMMETRIC_VERSION_LIMIT must be at least 1, got "
                    + properties.asymmetricVersionLimit());
        }
        this.jdbc = jdbc;
        this.limit = properties.asymmetricVersionLimit();
    }

    @Override
    public void reserve(AccountId account, KeyId keyId, KeyVersionId versionId) {
        jdbc.query("SELECT pg_advisory_xact_lock(hashtext(?))", rs -> { },
                "kms_asymmetric_versions/" + account.value());
        Integer held = jdbc.queryForObject("SELECT count(*) FROM kms_asymmetric_versions WHERE account = ?",
                Integer.class, account.value());
        if (held != null && held >= limit) {
            throw new KmsException(KmsError.KEY_VERSION_LIMIT_EXCEEDED, "the account holds " + held
                    + " asymmetric key versions, as many as it may (" + limit + "); delete keys it no longer needs");
        }
        jdbc.update("INSERT INTO kms_asymmetric_versions (account, key_id, version_id) VALUES (?, ?, ?)",
                account.value(), keyId.value(), versionId.value());
    }

    @Override
    public void release(KeyId keyId) {
        jdbc.update("DELETE FROM kms_asymmetric_versions WHERE key_id = ?", keyId.value());
    }
}
