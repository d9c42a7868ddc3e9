package org.opencmk.kms.server.protocol;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * TC3-HMAC-SHA256, the request signature of Tencent Cloud API 3.0, verified exactly as the
 * official SDKs compute it (PROTOCOL.md "Request"):
 *
 * <pre>
 * canonical request = POST \n / \n \n (lower-case "name:value\n" per signed header) \n
 *                     signed-header list \n hex(sha256(body))
 * string to sign    = TC3-HMAC-SHA256 \n timestamp \n date/service/tc3_request \n hex(sha256(canonical request))
 * signing key       = HMAC chain "TC3"+SecretKey → date → service → "tc3_request"
 * </pre>
 *
 * The service in the credential scope is whatever the client took from its endpoint (the Java
 * SDK sends "127" for 127.0.0.1), so the scope is verified as sent.
 */
public final class Tc3Signature {

    static final String ALGORITHM = "TC3-HMAC-SHA256";
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "TC3-HMAC-SHA256\\s+Credential=([^/,\\s]+)/(\\d{4}-\\d{2}-\\d{2})/([^/,\\s]+)/tc3_request\\s*,"
                    + "\\s*SignedHeaders=([a-z0-9;\\-]+)\\s*,\\s*Signature=([0-9a-fA-F]{64})\\s*");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("uuuu-MM-dd").withZone(ZoneOffset.UTC);
    /** The seconds a four-digit credential date can name. */
    private static final long FIRST_DATED_SECOND = LocalDate.of(0, 1, 1).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    private static final long LAST_DATED_SECOND = LocalDate.of(10_000, 1, 1).atStartOfDay(ZoneOffset.UTC).toEpochSecond() - 1;
    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });

    /** The parts of an {@code Authorization} header. */
    public record Credential(String secretId, String date, String service, String[] signedHeaders, String signature) {
    }

    private Tc3Signature() {
    }

    /** @return the parsed header, or null when it is not a TC3-HMAC-SHA256 authorization */
    public static Credential parse(String authorization) {
        if (authorization == null) {
            return null;
        }
        Matcher m = AUTHORIZATION.matcher(authorization.trim());
        if (!m.matches()) {
            return null;
        }
        return new Credential(m.group(1), m.group(2), m.group(3), m.group(4).split(";"), m.group(5).toLowerCase(Locale.ROOT));
    }

    /**
     * The UTC date a timestamp must be signed under, {@code yyyy-MM-dd}. Total: a second outside
     * the years 0000 to 9999 has no such date and gets "", which no credential's date equals.
     */
    public static String dateOf(long timestamp) {
        if (timestamp < FIRST_DATED_SECOND || timestamp > LAST_DATED_SECOND) {
            return "";
        }
        return DATE.format(Instant.ofEpochSecond(timestamp));
    }

    /**
     * Computes the signature the client should have sent.
     *
     * @param headerValue the value of each signed header, by lower-case name
     * @param tc3SecretKey the bytes of "TC3" + SecretKey
     */
    public static String sign(Credential credential, Map<String, String> headerValue, String timestamp,
                              byte[] body, byte[] tc3SecretKey) {
        StringBuilder canonical = new StringBuilder(256).append("POST\n/\n\n");
        for (String name : credential.signedHeaders()) {
            String value = headerValue.get(name);
            canonical.append(name).append(':').append(value == null ? "" : value.trim().toLowerCase(Locale.ROOT)).append('\n');
        }
        canonical.append('\n').append(String.join(";", credential.signedHeaders())).append('\n').append(sha256Hex(body));
        String scope = credential.date() + "/" + credential.service() + "/tc3_request";
        String stringToSign = ALGORITHM + "\n" + timestamp + "\n" + scope + "\n"
                + sha256Hex(canonical.toString().getBytes(StandardCharsets.UTF_8));
        byte[] key = hmac(tc3SecretKey, credential.date());
        key = hmac(key, credential.service());
        key = hmac(key, "tc3_request");
        return HexFormat.of().formatHex(hmac(key, stringToSign));
    }

    /** Compares in constant time. */
    public static boolean matches(String expected, String actual) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), actual.getBytes(StandardCharsets.US_ASCII));
    }

    private static String sha256Hex(byte[] data) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return HexFormat.of().formatHex(digest.digest(data));
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = HMAC.get();
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
