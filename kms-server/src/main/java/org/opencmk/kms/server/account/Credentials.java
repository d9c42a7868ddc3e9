package org.opencmk.kms.server.account;

import java.nio.charset.StandardCharsets;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.events.AccountId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * API credentials. A SecretKey is stored wrapped by the root key (purpose-bound to its SecretId)
 * and kept unwrapped in memory only as the HMAC key signatures are checked with.
 */
@Component
public class Credentials {

    /** Tencent's shape: "AKID" and 32 more letters and digits; the SecretKey is 32 of them. */
    private static final String SECRET_ID_PREFIX = "AKID";
    private static final int SECRET_ID_RANDOM_LENGTH = 32;
    private static final int SECRET_KEY_LENGTH = 32;
    private static final Pattern SECRET_ID_FORMAT = Pattern.compile("[A-Za-z0-9]{8,64}");
    private static final Pattern SECRET_KEY_FORMAT = Pattern.compile("[\\x21-\\x7e]{16,128}");
    private static final int UNKNOWN_CACHE_SIZE = 10_000;
    /** How long a SecretId created on another node may be refused here. */
    private static final Duration UNKNOWN_CACHE_TIME = Duration.ofSeconds(5);
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /** A credential ready to check signatures with. */
    public record Loaded(Caller caller, SecretBytes tc3SecretKey) {
        @Override
        public String toString() {
            return "Credentials.Loaded[" + caller + "]";
        }
    }

    private static final Logger log = LoggerFactory.getLogger(Credentials.class);

    private final JdbcTemplate jdbc;
    private final Keystore keystore;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
    /**
     * SecretIds just looked up in vain: requests are authenticated before they are throttled, so
     * a flood of made-up SecretIds must not become a flood of database queries.
     */
    private final Cache<String, Boolean> recentlyUnknown = Caffeine.newBuilder()
            .maximumSize(UNKNOWN_CACHE_SIZE)
            .expireAfterWrite(UNKNOWN_CACHE_TIME)
            .build();

    public Credentials(JdbcTemplate jdbc, Keystore keystore) {
        this.jdbc = jdbc;
        this.keystore = keystore;
    }

    /** The credential with this SecretId, from memory or, once, from the database. */
    public Optional<Loaded> find(String secretId) {
        if (secretId == null || !SECRET_ID_FORMAT.matcher(secretId).matches()) {
            return Optional.empty();
        }
        Loaded cached = loaded.get(secretId);
        if (cached != null) {
            return Optional.of(cached);
        }
        if (recentlyUnknown.getIfPresent(secretId) != null) {
            return Optional.empty();
        }
        List<Loaded> rows;
        try {
            rows = jdbc.query(
                    "SELECT account_id, wrapped_secret_key, admin FROM kms_credential WHERE secret_id = ?",
                    (rs, n) -> load(secretId, new AccountId(rs.getLong(1)), rs.getBytes(2), rs.getBoolean(3)),
                    secretId);
        } catch (KeyMaterialUnavailableException altered) {
            log.warn("The credential {} cannot be unwrapped: its row was altered, or the root key is not the one "
                    + "it was stored under; requests with it are refused", secretId);
            rows = List.of();
        }
        if (rows.isEmpty()) {
            recentlyUnknown.put(secretId, Boolean.TRUE);
            return Optional.empty();
        }
        loaded.putIfAbsent(secretId, rows.get(0));
        return Optional.of(loaded.get(secretId));
    }

    /** Creates a credential with a fresh SecretId and SecretKey. */
    public IssuedCredential issue(AccountId account, boolean admin) {
        String secretId = SECRET_ID_PREFIX + randomText(SECRET_ID_RANDOM_LENGTH);
        String secretKey = randomText(SECRET_KEY_LENGTH);
        store(account, secretId, secretKey, admin);
        return new IssuedCredential(account, secretId, secretKey);
    }

    /**
     * Stores a credential whose SecretId and SecretKey were chosen by the operator.
     *
     * @throws IllegalArgumentException when either does not have a credential's shape
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
        jdbc.update("INSERT INTO kms_credential (secret_id, account_id, wrapped_secret_key, admin) VALUES (?, ?, ?, ?)",
                secretId, account.value(), wrapped, admin);
        recentlyUnknown.invalidate(secretId);
    }

    /** Whether the stored SecretKey of {@code secretId} is {@code secretKey}. */
    public boolean hasSecretKey(String secretId, String secretKey) {
        return find(secretId).map(c -> java.security.MessageDigest.isEqual(
                c.tc3SecretKey().insecureBytes(),
                ("TC3" + secretKey).getBytes(StandardCharsets.US_ASCII))).orElse(false);
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
     * database no longer unwraps, so write access to the table cannot move a credential.
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
