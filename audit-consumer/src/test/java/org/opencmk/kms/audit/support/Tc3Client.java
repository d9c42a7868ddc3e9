package org.opencmk.kms.audit.support;

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
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A minimal TC3-HMAC-SHA256 client for the KMS's API, as the official SDKs sign (the benchmark's
 * {@code Tc3Client}, on this module's Jackson).
 */
public final class Tc3Client {

    private static final String CONTENT_TYPE = "application/json; charset=utf-8";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String host;
    private final String secretId;
    private final String secretKey;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    public Tc3Client(String host, String secretId, String secretKey) {
        this.host = host;
        this.secretId = secretId;
        this.secretKey = secretKey;
    }

    /** The same server, signing with another credential. */
    public Tc3Client as(String otherSecretId, String otherSecretKey) {
        return new Tc3Client(host, otherSecretId, otherSecretKey);
    }

    /**
     * Calls the server and returns its {@code Response} object, an error answer included (it has
     * {@code Error}); throws only when there is no answer.
     */
    public JsonNode call(String action, String body) throws IOException, InterruptedException {
        long timestamp = Instant.now().getEpochSecond();
        String date = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC).format(Instant.ofEpochSecond(timestamp));
        String canonical = "POST\n/\n\ncontent-type:" + CONTENT_TYPE + "\nhost:" + host + "\n\ncontent-type;host\n"
                + sha256Hex(body.getBytes(StandardCharsets.UTF_8));
        String scope = date + "/kms/tc3_request";
        String toSign = "TC3-HMAC-SHA256\n" + timestamp + "\n" + scope + "\n" + sha256Hex(canonical.getBytes(StandardCharsets.UTF_8));
        byte[] key = hmac(("TC3" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, "kms");
        key = hmac(key, "tc3_request");
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + "/"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", CONTENT_TYPE)
                .header("Authorization", "TC3-HMAC-SHA256 Credential=" + secretId + "/" + scope
                        + ", SignedHeaders=content-type;host, Signature=" + HexFormat.of().formatHex(hmac(key, toSign)))
                .header("X-TC-Action", action)
                .header("X-TC-Timestamp", Long.toString(timestamp))
                .header("X-TC-Version", "2019-01-18")
                .header("X-TC-Region", "ap-guangzhou")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode answer;
        try {
            answer = JSON.readTree(response.body()).path("Response");
        } catch (RuntimeException notJson) {
            throw new IOException(action + ": HTTP " + response.statusCode() + " " + response.body(), notJson);
        }
        if (answer.isMissingNode()) {
            throw new IOException(action + ": HTTP " + response.statusCode() + " " + response.body());
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
