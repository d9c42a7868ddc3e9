package org.opencmk.kms.server.account;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.events.AccountId;
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
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /** A credential ready to check signatures with. */
    public record Loaded(Caller caller, SecretBytes tc3SecretKey) {
        @Override
        public String toString() {
            return "Credentials.Loaded[" + caller + "]";
        }
    }

    private final JdbcTemplate jdbc;
    private final Keystore keystore;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();

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
        List<Loaded> rows = jdbc.query(
                "SELECT account_id, wrapped_secret_key, admin FROM kms_credential WHERE secret_id = ?",
                (rs, n) -> load(secretId, new AccountId(rs.getLong(1)), rs.getBytes(2), rs.getBoolean(3)),
                secretId);
        rows.forEach(row -> loaded.putIfAbsent(secretId, row));
        return rows.stream().findFirst().map(row -> loaded.get(secretId));
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
            wrapped = keystore.wrapSecret(purpose(secretId), secret);
        }
        jdbc.update("INSERT INTO kms_credential (secret_id, account_id, wrapped_secret_key, admin) VALUES (?, ?, ?, ?)",
                secretId, account.value(), wrapped, admin);
    }

    /** Whether the stored SecretKey of {@code secretId} is {@code secretKey}. */
    public boolean hasSecretKey(String secretId, String secretKey) {
        return find(secretId).map(c -> java.security.MessageDigest.isEqual(
                c.tc3SecretKey().insecureBytes(),
                ("TC3" + secretKey).getBytes(StandardCharsets.US_ASCII))).orElse(false);
    }

    private Loaded load(String secretId, AccountId account, byte[] wrapped, boolean admin) {
        try (SecretBytes secretKey = keystore.unwrapSecret(purpose(secretId), wrapped)) {
            byte[] raw = secretKey.insecureBytes();
            byte[] tc3 = new byte[3 + raw.length];
            tc3[0] = 'T';
            tc3[1] = 'C';
            tc3[2] = '3';
            System.arraycopy(raw, 0, tc3, 3, raw.length);
            return new Loaded(new Caller(account, secretId, admin), SecretBytes.takeOwnership(tc3));
        }
    }

    private static String purpose(String secretId) {
        return "credential:" + secretId;
    }

    private String randomText(int length) {
        char[] text = new char[length];
        for (int i = 0; i < length; i++) {
            text[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(text);
    }
}
