package org.opencmk.kms.server.protocol;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.opencmk.kms.server.KmsProperties;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.account.Credentials;
import org.opencmk.kms.server.throttle.AccountThrottle;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * Checks a request's TC3-HMAC-SHA256 signature against the caller's credential, and the caller's
 * request rate. Each failure has its own {@code AuthFailure.*} code.
 */
@Component
public class Authenticator {

    /** A signature older or newer than this is refused (Tencent: 5 minutes). */
    public static final long MAX_CLOCK_SKEW_SECONDS = 300;
    /**
     * X-TC-Timestamp is Unix seconds in ASCII digits, as every SDK sends it: no sign, no spaces,
     * no other digits. 18 digits at most, so any value it admits fits a long.
     */
    /**
     * A Unix time in seconds: ASCII digits, a leading minus allowed (a time before 1970 is a time
     * too, just an expired one); the length is bounded so that parsing stays trivial.
     */
    static final Pattern TIMESTAMP = Pattern.compile("-?[0-9]{1,40}");
    /** The header that names the action, as it appears in SignedHeaders. */
    static final String ACTION_HEADER = "x-tc-action";

    private final Credentials credentials;
    private final AccountThrottle throttle;
    private final Clock clock;
    private final boolean requireSignedAction;

    @Autowired
    public Authenticator(Credentials credentials, AccountThrottle throttle, Clock clock, KmsProperties properties) {
        this(credentials, throttle, clock, properties.auth().requireSignedAction());
    }

    Authenticator(Credentials credentials, AccountThrottle throttle, Clock clock, boolean requireSignedAction) {
        this.credentials = credentials;
        this.throttle = throttle;
        this.clock = clock;
        this.requireSignedAction = requireSignedAction;
    }

    public Caller authenticate(ServerRequest.Headers headers, String path, byte[] body) {
        Tc3Signature.Credential credential = Tc3Signature.parse(headers.firstHeader("Authorization"));
        if (credential == null) {
            throw new ProtocolException(ErrorCode.AUTH_INVALID_AUTHORIZATION,
                    "the Authorization header is not a TC3-HMAC-SHA256 signature");
        }
        List<String> signed = List.of(credential.signedHeaders());
        if (!signed.contains("content-type") || !signed.contains("host")) {
            throw new ProtocolException(ErrorCode.AUTH_INVALID_AUTHORIZATION, "SignedHeaders must include content-type and host");
        }
        // Unsigned, X-TC-Action can be swapped: a captured request replays as another action
        // with the same fields within the timestamp's window (PROTOCOL.md "Request").
        if (requireSignedAction && !signed.contains(ACTION_HEADER)) {
            throw new ProtocolException(ErrorCode.AUTH_INVALID_AUTHORIZATION,
                    "SignedHeaders must include x-tc-action: this server requires the action to be signed");
        }
        String timestamp = headers.firstHeader("X-TC-Timestamp");
        long signedAt = parseTimestamp(timestamp);
        requireFresh(signedAt, clock.instant().getEpochSecond());
        // Only now is signedAt within minutes of the clock, so it has a calendar date.
        if (!credential.date().equals(Tc3Signature.dateOf(signedAt))) {
            throw new ProtocolException(ErrorCode.AUTH_SIGNATURE_FAILURE, "the credential's date is not the timestamp's date");
        }
        Credentials.Loaded caller = credentials.find(credential.secretId())
                .orElseThrow(() -> new ProtocolException(ErrorCode.AUTH_SECRET_ID_NOT_FOUND, "the SecretId does not exist"));
        if (!"/".equals(path) && !path.isEmpty()) {
            throw new ProtocolException(ErrorCode.AUTH_SIGNATURE_FAILURE, "requests are signed for the path /");
        }
        Map<String, String> values = new HashMap<>();
        for (String name : credential.signedHeaders()) {
            values.put(name, headers.firstHeader(name));
        }
        byte[] key = caller.tc3SecretKey().insecureBytes();
        if (matches(credential, values, timestamp, body, key)) {
            return caller.caller();
        }
        // The Node.js SDK signs the host without its port while sending it with the port.
        String host = values.get("host");
        if (host != null && host.lastIndexOf(':') > host.lastIndexOf(']')) {
            values.put("host", host.substring(0, host.lastIndexOf(':')));
            if (matches(credential, values, timestamp, body, key)) {
                return caller.caller();
            }
        }
        throw new ProtocolException(ErrorCode.AUTH_SIGNATURE_FAILURE, "the request signature does not match");
    }

    public void throttle(Caller caller) {
        if (!throttle.tryAcquire(caller.account())) {
            throw new ProtocolException(ErrorCode.REQUEST_LIMIT_EXCEEDED,
                    "the account's request rate limit is exceeded; retry with exponential backoff");
        }
    }

    private static boolean matches(Tc3Signature.Credential credential, Map<String, String> values, String timestamp,
                                   byte[] body, byte[] key) {
        return Tc3Signature.matches(Tc3Signature.sign(credential, values, timestamp, body, key), credential.signature());
    }

    static long parseTimestamp(String timestamp) {
        if (timestamp == null) {
            throw new ProtocolException(ErrorCode.AUTH_INVALID_AUTHORIZATION, "the X-TC-Timestamp header is missing");
        }
        if (!TIMESTAMP.matcher(timestamp).matches()) {
            throw new ProtocolException(ErrorCode.AUTH_INVALID_AUTHORIZATION,
                    "X-TC-Timestamp must be a Unix time in seconds, in ASCII digits");
        }
        try {
            return Long.parseLong(timestamp);
        } catch (NumberFormatException beyondLong) {
            // Digits, but beyond a long: as far from now as a timestamp can be, so it is expired.
            return timestamp.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /**
     * Refuses a signature made more than {@link #MAX_CLOCK_SKEW_SECONDS} from {@code now}. Compared
     * against bounds rather than by {@code abs(now - signedAt)}, which overflows for a signedAt near
     * {@code Long.MIN_VALUE} and then let it through.
     */
    static void requireFresh(long signedAt, long now) {
        if (signedAt < now - MAX_CLOCK_SKEW_SECONDS || signedAt > now + MAX_CLOCK_SKEW_SECONDS) {
            throw new ProtocolException(ErrorCode.AUTH_SIGNATURE_EXPIRE,
                    "the signature's timestamp is more than " + MAX_CLOCK_SKEW_SECONDS + " seconds from the server's time");
        }
    }
}
