package org.opencmk.kms.server.account;

import java.util.List;
import java.util.Optional;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Accounts and their credentials, and the administrative actions on them (only for administrative
 * credentials; any account's).
 */
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
        requireExists(account);
        return credentials.issue(account, false);
    }

    /** One page of an account's credentials (not the deleted ones), and how many there are. */
    public record CredentialPage(List<Credentials.Credential> credentials, long totalCount) {
    }

    /** The account's credentials, oldest first; the page and the count from one snapshot. */
    @Transactional(readOnly = true, isolation = Isolation.REPEATABLE_READ)
    public CredentialPage listCredentials(Caller caller, AccountId account, int offset, int limit) {
        requireAdmin(caller);
        requireExists(account);
        return new CredentialPage(credentials.list(account, offset, limit), credentials.count(account));
    }

    /**
     * Lets a disabled credential sign requests again, on every node within a second.
     *
     * @return the credential, or empty when it does not exist (or was deleted)
     */
    @Transactional
    public Optional<Credentials.Credential> enableCredential(Caller caller, String secretId) {
        requireAdmin(caller);
        return credentials.enable(secretId);
    }

    /**
     * Refuses requests signed with the credential, on every node within a second. A caller may
     * disable its own credential, unless it is the last enabled administrative one.
     *
     * @return the credential, or empty when it does not exist (or was deleted)
     */
    @Transactional
    public Optional<Credentials.Credential> disableCredential(Caller caller, String secretId) {
        requireAdmin(caller);
        return credentials.disable(secretId);
    }

    /**
     * Deletes the credential for good (its SecretKey is erased), on every node within a second;
     * the same rule as {@link #disableCredential} protects the last administrator.
     *
     * @return the credential, or empty when it does not exist (or was deleted already)
     */
    @Transactional
    public Optional<Credentials.Credential> deleteCredential(Caller caller, String secretId) {
        requireAdmin(caller);
        return credentials.delete(secretId);
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

    private void requireExists(AccountId account) {
        Integer count = jdbc.queryForObject("SELECT count(*) FROM kms_account WHERE account_id = ?", Integer.class, account.value());
        if (count == null || count == 0) {
            throw new KmsException(KmsError.ACCOUNT_NOT_FOUND, "the account " + account + " does not exist");
        }
    }

    private static void requireAdmin(Caller caller) {
        if (!caller.admin()) {
            throw new KmsException(KmsError.UNAUTHORIZED_OPERATION, "only an administrative credential may do this");
        }
    }
}
