package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.RawClient;
import org.slf4j.LoggerFactory;

/**
 * The audit seam tells the truth: each call's line names the key and version the call resolved
 * (the key behind an alias, the key a ciphertext named, ReEncrypt's source and destination, a
 * new key's id, an administrative action's target), and no value a caller sends can forge or
 * split a line.
 */
class AuditLineIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PLAINTEXT = Base64.getEncoder().encodeToString("audited".getBytes());
    private static KmsServer server;
    private static RawClient admin;
    /** What the kms.audit logger was given: the log file is the first test server's in this JVM. */
    private static final ListAppender<ILoggingEvent> AUDIT = new ListAppender<>();

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of());
        admin = server.rawAdmin();
        AUDIT.start();
        ((Logger) LoggerFactory.getLogger("kms.audit")).addAppender(AUDIT);
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger("kms.audit")).detachAppender(AUDIT);
        server.close();
    }

    @Test
    void eachLineNamesWhatTheCallResolved() throws Exception {
        RawClient.Answer created = admin.call("CreateKey", "{\"Alias\":\"audited-key\"}");
        String keyId = created.response().get("KeyId").asText();
        String other = admin.call("CreateKey", "{}").response().get("KeyId").asText();
        RawClient.Answer sealed = admin.call("Encrypt", "{\"KeyId\":\"audited-key\",\"Plaintext\":\"" + PLAINTEXT + "\"}");
        String blob = sealed.response().get("CiphertextBlob").asText();
        String version = sealed.response().get("KeyVersionId").asText();
        RawClient.Answer opened = admin.call("Decrypt", "{\"CiphertextBlob\":\"" + blob + "\"}");
        RawClient.Answer moved = admin.call("ReEncrypt",
                "{\"CiphertextBlob\":\"" + blob + "\",\"DestinationKeyId\":\"" + other + "\"}");
        RawClient.Answer account = admin.call("CreateAccount", "{\"Name\":\"audited\"}");
        RawClient.Answer refused = admin.call("DisableKey", "{\"KeyId\":\"no-such-alias\"}");

        assertThat(line(created).get("keyId").asText()).isEqualTo(keyId);
        assertThat(line(sealed).get("keyId").asText()).as("the alias resolved").isEqualTo(keyId);
        assertThat(line(sealed).get("keyVersionId").asText()).isEqualTo(version);
        JsonNode decrypt = line(opened);
        assertThat(decrypt.get("keyId").asText()).as("the key the ciphertext named").isEqualTo(keyId);
        assertThat(decrypt.get("keyVersionId").asText()).isEqualTo(version);
        JsonNode reEncrypt = line(moved);
        assertThat(reEncrypt.get("sourceKeyId").asText()).isEqualTo(keyId);
        assertThat(reEncrypt.get("sourceKeyVersionId").asText()).isEqualTo(version);
        assertThat(reEncrypt.get("keyId").asText()).isEqualTo(other);
        assertThat(reEncrypt.get("keyVersionId").asText()).isEqualTo(moved.response().get("KeyVersionId").asText());
        JsonNode admin = line(account);
        assertThat(admin.get("targetAccount").asLong()).isEqualTo(account.response().get("AccountId").asLong());
        assertThat(admin.get("targetSecretId").asText()).isEqualTo(account.response().get("SecretId").asText());
        assertThat(admin.toString()).doesNotContain(account.response().get("SecretKey").asText());
        JsonNode failed = line(refused);
        assertThat(failed.get("outcome").asText()).isEqualTo("ResourceUnavailable.CmkNotFound");
        assertThat(failed.get("requestedKey").asText()).isEqualTo("no-such-alias");
        assertThat(failed.has("keyId")).isFalse();
        for (JsonNode line : List.of(decrypt, reEncrypt, admin)) {
            assertThat(line.get("accountId").asLong()).isEqualTo(100000000001L);
            assertThat(line.get("secretId").asText()).isEqualTo(KmsServer.BOOTSTRAP_SECRET_ID);
            assertThat(line.get("outcome").asText()).isEqualTo("Success");
        }
    }

    @Test
    void aValueTheCallerChoseCannotForgeOrSplitALine() throws Exception {
        String forged = "x\\n2026-01-01 INFO kms.audit : {\\\"requestId\\\":\\\"forged\\\",\\\"outcome\\\":\\\"Success\\\"}\\r";
        RawClient.Answer answer = admin.call("DisableKey", "{\"KeyId\":\"" + forged + "\"}");

        JsonNode line = line(answer);
        assertThat(line.get("requestedKey").asText()).startsWith("x\n2026-01-01");
        for (String auditLine : auditLines()) {
            assertThat(auditLine).doesNotContain("\n").doesNotContain("\r");
            assertThat(JSON.readTree(auditLine).get("requestId").asText()).isNotEqualTo("forged");
        }
    }

    /** The audit line of the call that got this answer (the writer is asynchronous: wait for it). */
    private static JsonNode line(RawClient.Answer answer) throws Exception {
        String requestId = answer.response().get("RequestId").asText();
        Instant giveUp = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(giveUp)) {
            for (String line : auditLines()) {
                JsonNode parsed = JSON.readTree(line);
                if (requestId.equals(parsed.path("requestId").asText())) {
                    return parsed;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no audit line for request " + requestId);
    }

    /** Each record as the logger received it: one message, written as one line. */
    private static List<String> auditLines() {
        List<String> lines = new ArrayList<>();
        List<ILoggingEvent> events;
        synchronized (AUDIT) { // the appender appends under its own monitor
            events = List.copyOf(AUDIT.list);
        }
        for (ILoggingEvent event : events) {
            lines.add(event.getFormattedMessage());
        }
        return lines;
    }
}
