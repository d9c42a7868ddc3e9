package org.opencmk.kms.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs requests with TC3-HMAC-SHA256 as the official SDKs do, for the benchmark's own calls and
 * for the pre-signed requests that wrk replays (a signature stays valid for five minutes).
 */
final class Tc3Client {

    static final String CONTENT_TYPE = "application/json; charset=utf-8";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String host;
    private final String secretId;
    private final String secretKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    Tc3Client(String host, String secretId, String secretKey) {
        this.host = host;
        this.secretId = secretId;
        this.secretKey = secretKey;
    }

    String host() {
        return host;
    }

    /** The headers of a signed request, in the order wrk should send them. */
    Map<String, String> headers(String action, String body) {
        return headers(host, secretId, secretKey, action, body);
    }

    /** The same, signed with any credential: the side loads sign with made-up ones. */
    static Map<String, String> headers(String host, String secretId, String secretKey, String action, String body) {
        long timestamp = Instant.now().getEpochSecond();
        String date = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC).format(Instant.ofEpochSecond(timestamp));
        String canonical = "POST\n/\n\ncontent-type:" + CONTENT_TYPE + "\nhost:" + host + "\n\ncontent-type;host\n"
                + sha256Hex(body.getBytes(StandardCharsets.UTF_8));
        String scope = date + "/kms/tc3_request";
        String toSign = "TC3-HMAC-SHA256\n" + timestamp + "\n" + scope + "\n" + sha256Hex(canonical.getBytes(StandardCharsets.UTF_8));
        byte[] key = hmac(("TC3" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, "kms");
        key = hmac(key, "tc3_request");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", CONTENT_TYPE);
        headers.put("Authorization", "TC3-HMAC-SHA256 Credential=" + secretId + "/" + scope
                + ", SignedHeaders=content-type;host, Signature=" + HexFormat.of().formatHex(hmac(key, toSign)));
        headers.put("X-TC-Action", action);
        headers.put("X-TC-Timestamp", Long.toString(timestamp));
        headers.put("X-TC-Version", "2019-01-18");
        headers.put("X-TC-Region", "ap-guangzhou");
        return headers;
    }

    /** Calls the server; returns the {@code Response} object, or throws on an error answer. */
    JsonNode call(String action, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + "/"))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers(action, body).forEach(request::header);
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode answer = JSON.readTree(response.body()).path("Response");
        if (answer.has("Error")) {
            throw new IOException(action + " failed: " + answer.path("Error").path("Code").asText());
        }
        return answer;
    }

    private static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
