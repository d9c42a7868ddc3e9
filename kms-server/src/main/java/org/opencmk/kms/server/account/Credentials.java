package org.opencmk.kms.server.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * API credentials. A SecretKey is stored wrapped by the root key (purpose-bound to its SecretId,
 * account and admin flag) and kept unwrapped in memory only as the HMAC key signatures are checked
 * with.
 *
 * <p>Every enabled credential is in memory, loaded before the server accepts requests: {@link #find}
 * never touches the database, so authentication stays on the event loop and a flood of made-up
 * SecretIds costs no query. The memory follows the table through {@code change_seq} (migration
 * V3): a background thread reads the rows changed since the last poll every
 * {@value #POLL_INTERVAL_MILLIS} ms, so a credential created, disabled or deleted on another node
 * is honoured here within one poll; one changed on this node, as soon as its transaction commits.
 */
@Component
public class Credentials implements InitializingBean, DisposableBean {

    /** Tencent's shape: "AKID" and 32 more letters and digits; the SecretKey is 32 of them. */
    private static final String SECRET_ID_PREFIX = "AKID";
    private static final int SECRET_ID_RANDOM_LENGTH = 32;
    private static final int SECRET_KEY_LENGTH = 32;
    private static final Pattern SECRET_ID_FORMAT = Pattern.compile("[A-Za-z0-9]{8,64}");
    private static final Pattern SECRET_KEY_FORMAT = Pattern.compile("[\\x21-\\x7e]{16,128}");
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    /** How often the table is polled for changes made by other nodes (DESIGN.md: honoured within one second). */
    static final long POLL_INTERVAL_MILLIS = 250;
    /**
     * How long an unwrapped SecretKey that was replaced or revoked stays readable before it is
     * zeroed: a request on an event loop may have just found it and be computing its HMAC.
     */
    private static final Duration RETIRED_GRACE = Duration.ofSeconds(1);
    /** How long a change on this node waits for the memory to follow it before leaving it to the poll. */
    private static final Duration LOCAL_REFRESH_TIMEOUT = Duration.ofSeconds(10);

    private static final String COLUMNS = "secret_id, account_id, admin, state, created_at";
    private static final Logger log = LoggerFactory.getLogger(Credentials.class);

    /** A credential's state; the names are stored (pinned by {@code CredentialsIT}). */
    public enum State {
        ENABLED("Enabled"),
        DISABLED("Disabled"),
        /** Gone for good: the SecretKey is erased, the row stays so that every node sees the deletion. */
        DELETED("Deleted");

        private final String wireName;

        State(String wireName) {
            this.wireName = wireName;
        }

        /** The name in API answers. */
        public String wireName() {
            return wireName;
        }
    }

    /** What an administrator may see of a credential: never its SecretKey. */
    public record Credential(String secretId, AccountId account, State state, boolean admin, Instant createdAt) {
    }

    /** A credential ready to check signatures with. */
    public record Loaded(Caller caller, SecretBytes tc3SecretKey) {
        @Override
        public String toString() {
            return "Credentials.Loaded[" + caller + "]";
        }
    }

    private record Retired(SecretBytes secret, long retiredAtNanos) {
    }

    private final JdbcTemplate jdbc;
    private final Keystore keystore;
    private final SecureRandom random = new SecureRandom();
    /** The enabled credentials whose SecretKey unwrapped; written only by the refresh thread. */
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
    /** Touched only by the refresh thread. */
    private final Deque<Retired> retired = new ArrayDeque<>();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "kms-credentials-refresh");
        thread.setDaemon(true);
        return thread;
    });
    /** The highest change_seq applied; touched only by the refresh thread. */
    private long seen;
    private boolean pollFailing;

    public Credentials(JdbcTemplate jdbc, Keystore keystore) {
        this.jdbc = jdbc;
        this.keystore = keystore;
    }

    /**
     * Loads every credential, then follows the table's changes. Runs when the bean is made, so
     * before {@link Bootstrap} looks for its credential and before the server accepts requests.
     */
    @Override
    public void afterPropertiesSet() throws Exception {
        long started = System.nanoTime();
        try {
            refresher.submit(this::refresh).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot load the credentials", e.getCause());
        }
        log.info("Loaded {} enabled credentials in {} ms", loaded.size(), (System.nanoTime() - started) / 1_000_000);
        refresher.scheduleWithFixedDelay(this::poll, POLL_INTERVAL_MILLIS, POLL_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void destroy() throws InterruptedException {
        refresher.shutdownNow();
        refresher.awaitTermination(LOCAL_REFRESH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        loaded.values().forEach(c -> c.tc3SecretKey().destroy());
        loaded.clear();
        retired.forEach(r -> r.secret().destroy());
        retired.clear();
    }

    /**
     * The enabled credential with this SecretId, from memory only: never a query, never a wait. A
     * disabled or deleted credential is not found, as Tencent answers for one
     * ({@code AuthFailure.SecretIdNotFound}: "the key does not exist, or was deleted or disabled").
     */
    public Optional<Loaded> find(String secretId) {
        if (secretId == null || !SECRET_ID_FORMAT.matcher(secretId).matches()) {
            return Optional.empty();
        }
        return Optional.ofNullable(loaded.get(secretId));
    }

    /** Creates a credential with a fresh SecretId and SecretKey. */
    public IssuedCredential issue(AccountId account, boolean admin) {
        String secretId = SECRET_ID_PREFIX + randomText(SECRET_ID_RANDOM_LENGTH);
        String secretKey = randomText(SECRET_KEY_LENGTH);
        store(account, secretId, secretKey, admin);
        return new IssuedCredential(account, secretId, secretKey);
    }

    /**
     * Stores a credential whose SecretId and SecretKey were chosen by the operator. It is usable on
     * this node once the surrounding transaction (if any) commits.
     *
     * @throws IllegalArgumentException when either does not have a credential's shape
     * @throws IllegalStateException when the SecretId exists already, perhaps disabled or deleted
     */
    public void store(AccountId account, String secretId, String secretKey, boolean admin) {
        if (!SECRET_ID_FORMAT.matcher(secretId).matches()) {
            throw new IllegalArgumentException("a SecretId is 8 to 64 letters and digits");
        }
        if (!SECRET_KEY_FORMAT.matcher(secretKey).matches()) {
            throw new IllegalArgumentException("a SecretKey is 16 to 128 printable ASCII characters");
        }
        byte[] wrapped;
        try (SecretBytes secret = SecretBytes.takeOwnership(secretKey.getBytes(StandardCharsets.US_ASCII))) {
            wrapped = keystore.wrapSecret(purpose(secretId, account, admin), secret);
        }
        try {
            jdbc.update("INSERT INTO kms_credential (secret_id, account_id, wrapped_secret_key, admin) VALUES (?, ?, ?, ?)",
                    secretId, account.value(), wrapped, admin);
        } catch (DuplicateKeyException e) {
            // A revoked SecretId must not come back, e.g. from a bootstrap setting left in place.
            throw new IllegalStateException("the credential " + secretId
                    + " exists already (it may be disabled or deleted); a SecretId is never stored twice");
        }
        refreshAfterCommit();
    }

    /** Whether the stored SecretKey of {@code secretId} is {@code secretKey}. */
    public boolean hasSecretKey(String secretId, String secretKey) {
        return find(secretId).map(c -> MessageDigest.isEqual(
                c.tc3SecretKey().insecureBytes(),
                ("TC3" + secretKey).getBytes(StandardCharsets.US_ASCII))).orElse(false);
    }

    /** The account's credentials that are not deleted, oldest first. */
    public List<Credential> list(AccountId account, int offset, int limit) {
        return jdbc.query("SELECT " + COLUMNS + " FROM kms_credential WHERE account_id = ? AND state <> 'DELETED'"
                + " ORDER BY created_at, secret_id LIMIT ? OFFSET ?", CREDENTIAL, account.value(), limit, offset);
    }

    public long count(AccountId account) {
        Long count = jdbc.queryForObject("SELECT count(*) FROM kms_credential WHERE account_id = ? AND state <> 'DELETED'",
                Long.class, account.value());
        return count == null ? 0 : count;
    }

    /**
     * Enables a disabled credential (an enabled one stays so). Must run in a transaction.
     *
     * @return the credential, or empty when there is none (or it was deleted)
     */
    public Optional<Credential> enable(String secretId) {
        requireTransaction();
        List<Credential> rows = jdbc.query("SELECT " + COLUMNS + " FROM kms_credential WHERE secret_id = ? FOR UPDATE",
                CREDENTIAL, secretId);
        if (rows.isEmpty() || rows.get(0).state() == State.DELETED) {
            return Optional.empty();
        }
        return Optional.of(change(rows.get(0), State.ENABLED));
    }

    /**
     * Disables a credential: requests signed with it are refused on every node. Must run in a
     * transaction.
     *
     * @return the credential, or empty when there is none (or it was deleted)
     * @throws KmsException {@link KmsError#UNSUPPORTED_OPERATION} for the last enabled administrative credential
     */
    public Optional<Credential> disable(String secretId) {
        return revoke(secretId, State.DISABLED);
    }

    /**
     * Deletes a credential for good: its SecretKey is erased, requests signed with it are refused
     * on every node, and its SecretId is never used again. Must run in a transaction.
     *
     * @return the credential as it is now, or empty when there is none (or it was deleted already)
     * @throws KmsException {@link KmsError#UNSUPPORTED_OPERATION} for the last enabled administrative credential
     */
    public Optional<Credential> delete(String secretId) {
        return revoke(secretId, State.DELETED);
    }

    private Optional<Credential> revoke(String secretId, State to) {
        requireTransaction();
        // The target and every enabled administrative credential, locked in one order so that two
        // revocations (on any nodes) cannot deadlock, and the second sees what the first did: the
        // check and the change hold together, and the last administrator cannot lock itself out.
        List<Credential> rows = jdbc.query("SELECT " + COLUMNS + " FROM kms_credential"
                + " WHERE secret_id = ? OR (admin AND state = 'ENABLED') ORDER BY secret_id FOR UPDATE",
                CREDENTIAL, secretId);
        Credential target = rows.stream().filter(c -> c.secretId().equals(secretId)).findFirst().orElse(null);
        if (target == null || target.state() == State.DELETED) {
            return Optional.empty();
        }
        long enabledAdmins = rows.stream().filter(c -> c.admin() && c.state() == State.ENABLED).count();
        if (target.admin() && target.state() == State.ENABLED && enabledAdmins == 1) {
            throw new KmsException(KmsError.UNSUPPORTED_OPERATION,
                    "the last enabled administrative credential cannot be disabled or deleted");
        }
        return Optional.of(change(target, to));
    }

    private Credential change(Credential credential, State to) {
        if (credential.state() == to) {
            return credential;
        }
        if (to == State.DELETED) {
            jdbc.update("UPDATE kms_credential SET state = 'DELETED', wrapped_secret_key = NULL WHERE secret_id = ?",
                    credential.secretId());
        } else {
            jdbc.update("UPDATE kms_credential SET state = ? WHERE secret_id = ?", to.name(), credential.secretId());
        }
        refreshAfterCommit();
        return new Credential(credential.secretId(), credential.account(), to, credential.admin(), credential.createdAt());
    }

    private static final RowMapper<Credential> CREDENTIAL = (rs, n) -> new Credential(rs.getString("secret_id"),
            new AccountId(rs.getLong("account_id")), State.valueOf(rs.getString("state")), rs.getBoolean("admin"),
            rs.getTimestamp("created_at").toInstant());

    private static void requireTransaction() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("a credential's state changes only inside a transaction");
        }
    }

    /** A change made here is usable here at once: the memory follows as soon as it commits. */
    private void refreshAfterCommit() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    awaitRefresh();
                }
            });
        } else {
            awaitRefresh();
        }
    }

    /**
     * Runs a refresh on the refresh thread and waits for it. Not on the caller's thread: that one
     * may still hold the committed transaction's connection, and one thread keeps refreshes in order.
     */
    private void awaitRefresh() {
        try {
            refresher.submit(this::refresh).get(LOCAL_REFRESH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("The credentials in memory could not follow a change made on this node at once; "
                    + "the next poll will ({})", e.getCause() == null ? e.toString() : e.getCause().toString());
        }
    }

    private void poll() {
        try {
            refresh();
            if (pollFailing) {
                pollFailing = false;
                log.info("Polling the credentials works again");
            }
        } catch (RuntimeException e) {
            // Keep polling: a scheduled task that throws is never run again.
            if (!pollFailing) {
                pollFailing = true;
                log.warn("Cannot poll the credentials for changes; changes made on other nodes are not seen "
                        + "until it works again", e);
            }
        }
    }

    /** Applies the rows changed since the last refresh. Runs on the refresh thread only. */
    private void refresh() {
        destroyRetired();
        jdbc.query("SELECT secret_id, account_id, wrapped_secret_key, admin, state, change_seq FROM kms_credential"
                + " WHERE change_seq > ? ORDER BY change_seq", (RowCallbackHandler) rs -> {
                    apply(rs.getString("secret_id"), new AccountId(rs.getLong("account_id")),
                            rs.getBytes("wrapped_secret_key"), rs.getBoolean("admin"), State.valueOf(rs.getString("state")));
                    seen = Math.max(seen, rs.getLong("change_seq"));
                }, seen);
    }

    private void apply(String secretId, AccountId account, byte[] wrapped, boolean admin, State state) {
        Loaded now = null;
        if (state == State.ENABLED) {
            try {
                now = load(secretId, account, wrapped, admin);
            } catch (KeyMaterialUnavailableException altered) {
                log.warn("The credential {} cannot be unwrapped: its row was altered, or the root key is not the one "
                        + "it was stored under; requests with it are refused", secretId);
            }
        }
        Loaded before = loaded.get(secretId);
        if (now != null && before != null && before.caller().equals(now.caller())
                && MessageDigest.isEqual(before.tc3SecretKey().insecureBytes(), now.tc3SecretKey().insecureBytes())) {
            now.tc3SecretKey().destroy(); // unchanged: keep the one requests may be reading
            return;
        }
        if (now == null) {
            loaded.remove(secretId);
        } else {
            loaded.put(secretId, now);
        }
        if (before != null) {
            retired.add(new Retired(before.tc3SecretKey(), System.nanoTime()));
        }
    }

    private void destroyRetired() {
        long now = System.nanoTime();
        while (!retired.isEmpty() && now - retired.peekFirst().retiredAtNanos() >= RETIRED_GRACE.toNanos()) {
            retired.removeFirst().secret().destroy();
        }
    }

    private Loaded load(String secretId, AccountId account, byte[] wrapped, boolean admin) {
        try (SecretBytes secretKey = keystore.unwrapSecret(purpose(secretId, account, admin), wrapped)) {
            byte[] raw = secretKey.insecureBytes();
            byte[] tc3 = new byte[3 + raw.length];
            tc3[0] = 'T';
            tc3[1] = 'C';
            tc3[2] = '3';
            System.arraycopy(raw, 0, tc3, 3, raw.length);
            return new Loaded(new Caller(account, secretId, admin), SecretBytes.takeOwnership(tc3));
        }
    }

    /**
     * What a wrapped SecretKey is bound to: a row whose account or admin flag was changed in the
     * database no longer unwraps, so write access to the table cannot move a credential. The state
     * is not bound: disabling or enabling needs no rewrap.
     */
    private static String purpose(String secretId, AccountId account, boolean admin) {
        return "credential:" + secretId + ":" + account + (admin ? ":admin" : ":user");
    }

    private String randomText(int length) {
        char[] text = new char[length];
        for (int i = 0; i < length; i++) {
            text[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(text);
    }
}
