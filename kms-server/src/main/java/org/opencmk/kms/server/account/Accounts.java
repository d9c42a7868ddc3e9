package org.opencmk.kms.server.account;

import java.util.List;
import java.util.Optional;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** Accounts, and the administrative actions on them (only for administrative credentials). */
@Component
public class Accounts {

    static final String DEFAULT_ACCOUNT_NAME = "default";
    static final int MAX_NAME_LENGTH = 128;

    private final JdbcTemplate jdbc;
    private final Credentials credentials;

    public Accounts(JdbcTemplate jdbc, Credentials credentials) {
        this.jdbc = jdbc;
        this.credentials = credentials;
    }

    /** A new account and its first credential. */
    @Transactional
    public IssuedCredential createAccount(Caller caller, String name) {
        requireAdmin(caller);
        if (name == null || name.isBlank() || name.length() > MAX_NAME_LENGTH) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE, "Name must have 1 to " + MAX_NAME_LENGTH + " characters");
        }
        return credentials.issue(insert(name), false);
    }

    /** Another credential for an existing account. */
    @Transactional
    public IssuedCredential createCredential(Caller caller, AccountId account) {
        requireAdmin(caller);
        if (!exists(account)) {
            throw new KmsException(KmsError.ACCOUNT_NOT_FOUND, "the account " + account + " does not exist");
        }
        return credentials.issue(account, false);
    }

    Optional<AccountId> defaultAccount() {
        List<Long> ids = jdbc.queryForList(
                "SELECT account_id FROM kms_account WHERE name = ? ORDER BY account_id LIMIT 1", Long.class, DEFAULT_ACCOUNT_NAME);
        return ids.stream().findFirst().map(AccountId::new);
    }

    AccountId insert(String name) {
        Long id = jdbc.queryForObject("SELECT nextval('kms_account_id_seq')", Long.class);
        jdbc.update("INSERT INTO kms_account (account_id, name) VALUES (?, ?)", id, name);
        return new AccountId(id);
    }

    private boolean exists(AccountId account) {
        Integer count = jdbc.queryForObject("SELECT count(*) FROM kms_account WHERE account_id = ?", Integer.class, account.value());
        return count != null && count > 0;
    }

    private static void requireAdmin(Caller caller) {
        if (!caller.admin()) {
            throw new KmsException(KmsError.UNAUTHORIZED_OPERATION, "only an administrative credential may do this");
        }
    }
}
