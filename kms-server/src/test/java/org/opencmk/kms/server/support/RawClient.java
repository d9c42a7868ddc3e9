package org.opencmk.kms.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A hand-made TC3-HMAC-SHA256 client, for what the SDKs never send: malformed bodies, wrong
 * types, stale timestamps, bad signatures. Signs as Tencent's documentation describes, written
 * independently of the server's verifier.
 */
public final class RawClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final String host;
    private final String secretId;
    private final String secretKey;
    private final String version;

    RawClient(String host, String secretId, String secretKey) {
        this(host, secretId, secretKey, "2019-01-18");
    }

    private RawClient(String host, String secretId, String secretKey, String version) {
        this.host = host;
        this.secretId = secretId;
        this.secretKey = secretKey;
        this.version = version;
    }

    /** The same client, sending another {@code X-TC-Version}. */
    public RawClient withVersion(String otherVersion) {
        return new RawClient(host, secretId, secretKey, otherVersion);
    }

    /** The answer: HTTP status and the parsed {@code Response} object. */
    public record Answer(int status, JsonNode response) {
        public String errorCode() {
            JsonNode code = response.path("Error").path("Code");
            return code.isMissingNode() ? null : code.asText();
        }
    }

    public Answer call(String action, String body) {
        return call(action, body.getBytes(StandardCharsets.UTF_8), Instant.now().getEpochSecond(), secretKey, host);
    }

    /** Full control: signed with {@code signingKey} at {@code timestamp}, signing {@code signedHost}. */
    public Answer call(String action, byte[] body, long timestamp, String signingKey, String signedHost) {
        return signed(action, null, body, Long.toString(timestamp), dateOf(timestamp), signingKey, signedHost);
    }

    /** Sent with {@code X-TC-Timestamp} exactly as given, signed under today's date. */
    public Answer callWithTimestamp(String action, String body, String timestamp) {
        return signed(action, null, body.getBytes(StandardCharsets.UTF_8), timestamp,
                dateOf(Instant.now().getEpochSecond()), secretKey, host);
    }

    /**
     * Signs {@code content-type;host;x-tc-action} with {@code signedAction} as the action, as
     * Tencent's own signing example does, and sends {@code sentAction}.
     */
    public Answer callSigningAction(String signedAction, String sentAction, String body) {
        long now = Instant.now().getEpochSecond();
        return signed(sentAction, signedAction, body.getBytes(StandardCharsets.UTF_8), Long.toString(now), dateOf(now),
                secretKey, host);
    }

    private Answer signed(String action, String signedAction, byte[] body, String timestamp, String date,
                          String signingKey, String signedHost) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + "/"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers(action, signedAction, body, timestamp, date, signingKey, signedHost).forEach(request::header);
        return send(request.build());
    }

    /**
     * {@code action} signed now, as the bytes of one HTTP/1.1 request: for a test that writes
     * requests on a connection of its own.
     */
    public byte[] requestBytes(String action, String body) {
        long now = Instant.now().getEpochSecond();
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST / HTTP/1.1\r\nHost: ").append(host).append("\r\n");
        headers(action, null, content, Long.toString(now), dateOf(now), secretKey, host)
                .forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append("Content-Length: ").append(content.length).append("\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] request = java.util.Arrays.copyOf(headBytes, headBytes.length + content.length);
        System.arraycopy(content, 0, request, headBytes.length, content.length);
        return request;
    }

    /** The headers of a signed request, the signature over {@code content-type;host} (and {@code x-tc-action}). */
    private Map<String, String> headers(String action, String signedAction, byte[] body, String timestamp, String date,
                                        String signingKey, String signedHost) {
        String contentType = "application/json; charset=utf-8";
        String service = "kms";
        String headers = "content-type:" + contentType + "\nhost:" + signedHost + "\n";
        String signedHeaders = "content-type;host";
        if (signedAction != null) {
            headers += "x-tc-action:" + signedAction.toLowerCase(java.util.Locale.ROOT) + "\n";
            signedHeaders += ";x-tc-action";
        }
        String canonical = "POST\n/\n\n" + headers + "\n" + signedHeaders + "\n" + hex(sha256(body));
        String scope = date + "/" + service + "/tc3_request";
        String toSign = "TC3-HMAC-SHA256\n" + timestamp + "\n" + scope + "\n" + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("TC3" + signingKey).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, service);
        key = hmac(key, "tc3_request");
        String signature = hex(hmac(key, toSign));
        Map<String, String> sent = new LinkedHashMap<>();
        sent.put("Content-Type", contentType);
        sent.put("Authorization", "TC3-HMAC-SHA256 Credential=" + secretId + "/" + scope
                + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature);
        sent.put("X-TC-Timestamp", timestamp);
        sent.put("X-TC-Version", version);
        sent.put("X-TC-Region", "ap-guangzhou");
        if (action != null) {
            sent.put("X-TC-Action", action);
        }
        return sent;
    }

    private static String dateOf(long timestamp) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC).format(Instant.ofEpochSecond(timestamp));
    }

    /** An unsigned request with arbitrary headers. */
    public Answer unsigned(String action, String body, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + "/"))
                .header("Content-Type", "application/json")
                .header("X-TC-Action", action)
                .header("X-TC-Timestamp", Long.toString(Instant.now().getEpochSecond()))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request.build());
    }

    public Answer get() {
        return send(HttpRequest.newBuilder(URI.create("http://" + host + "/")).GET().build());
    }

    private static Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), JSON.readTree(response.body()).path("Response"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
