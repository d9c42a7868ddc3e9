package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.ListKeysRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.RawClient;
import org.opencmk.kms.server.support.SharedKmsServer;

/**
 * What the SDKs never send: every bad request gets a Tencent-style error code in an HTTP 200
 * envelope with a RequestId, never a stack trace, and changes nothing.
 */
class BadInputIT {

    private static KmsServer server;
    private static Accounts account;
    private static RawClient raw;
    private static String keyId;

    @BeforeAll
    static void account() throws Exception {
        server = SharedKmsServer.get();
        account = Accounts.create(server, "bad-input");
        raw = account.raw();
        keyId = account.sdk().CreateKey(new CreateKeyRequest()).getKeyId();
    }

    @Test
    void malformedJsonIsAnInvalidParameter() {
        assertRefused(raw.call("DescribeKey", "{\"KeyId\": "), "InvalidParameter");
        assertRefused(raw.call("DescribeKey", "[1,2]"), "InvalidParameter");
        assertRefused(raw.call("DescribeKey", "{\"KeyId\":\"" + keyId + "\"} trailing"), "InvalidParameter");
        assertRefused(raw.call("DescribeKey", "{\"KeyId\":\"a\",\"KeyId\":\"b\"}"), "InvalidParameter");
    }

    @Test
    void fieldsOfTheWrongTypeAreInvalidParameters() throws Exception {
        assertRefused(raw.call("DescribeKey", "{\"KeyId\": 42}"), "InvalidParameter");
        assertRefused(raw.call("ScheduleKeyDeletion", "{\"KeyId\":\"" + keyId + "\",\"PendingWindowInDays\":\"7\"}"), "InvalidParameter");
        assertRefused(raw.call("ScheduleKeyDeletion", "{\"KeyId\":\"" + keyId + "\",\"PendingWindowInDays\":7.5}"), "InvalidParameter");
        assertRefused(raw.call("DescribeKeys", "{\"KeyIds\":\"" + keyId + "\"}"), "InvalidParameter");
        assertThat(account.sdk().ListKeys(new ListKeysRequest()).getTotalCount()).isEqualTo(1);
    }

    @Test
    void missingFieldsAreMissingParameters() {
        assertRefused(raw.call("Encrypt", "{\"KeyId\":\"" + keyId + "\"}"), "MissingParameter");
        assertRefused(raw.call("Decrypt", ""), "MissingParameter");
        assertRefused(raw.call("ScheduleKeyDeletion", "{\"KeyId\":\"" + keyId + "\"}"), "MissingParameter");
        assertRefused(raw.call("GenerateRandom", "{}"), "MissingParameter");
    }

    @Test
    void unknownFieldsAreUnknownParameters() {
        assertRefused(raw.call("DescribeKey", "{\"KeyId\":\"" + keyId + "\",\"Colour\":\"blue\"}"), "UnknownParameter");
        assertRefused(raw.call("DescribeKey", "{\"keyid\":\"" + keyId + "\"}"), "UnknownParameter");
    }

    @Test
    void numbersOutOfRangeAreInvalidParameterValues() {
        assertRefused(raw.call("GenerateRandom", "{\"NumberOfBytes\":99999999999999999999999}"), "InvalidParameterValue");
        assertRefused(raw.call("GenerateRandom", "{\"NumberOfBytes\":-1}"), "InvalidParameterValue");
        assertRefused(raw.call("ListKeys", "{\"Offset\":-5}"), "InvalidParameterValue");
        assertRefused(raw.call("ScheduleKeyDeletion", "{\"KeyId\":\"" + keyId + "\",\"PendingWindowInDays\":4294967303}"),
                "InvalidParameter.InvalidPendingWindowInDays");
    }

    @Test
    void badBase64IsRefusedWithTheFieldsCode() {
        assertRefused(raw.call("Encrypt", "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"%%%\"}"), "InvalidParameterValue.InvalidPlaintext");
        assertRefused(raw.call("Decrypt", "{\"CiphertextBlob\":\"not*base64\"}"), "InvalidParameterValue.InvalidCiphertext");
    }

    @Test
    void unknownOrMissingActionsAreInvalidActions() {
        assertRefused(raw.call("DropAllKeys", "{}"), "InvalidAction");
        assertRefused(raw.call(null, "{}"), "InvalidAction");
    }

    @Test
    void anOversizedBodyIsRefusedBeforeItIsRead() {
        byte[] body = ("{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"" + "A".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        var answer = raw.call("Encrypt", body, Instant.now().getEpochSecond(), account.secretKey(), "127.0.0.1:" + server.port());
        assertRefused(answer, "RequestSizeLimitExceeded");
    }

    @Test
    void otherMethodsGetTheEnvelopeToo() {
        var answer = raw.get();
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.errorCode()).isEqualTo("UnsupportedOperation");
        assertThat(answer.response().path("RequestId").asText()).isNotBlank();
    }

    @Test
    void anotherApiVersionIsRefused() {
        assertRefused(raw.withVersion("2017-03-12").call("ListKeys", "{}"), "NoSuchVersion");
    }

    private static void assertRefused(RawClient.Answer answer, String code) {
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.errorCode()).as(answer.response().toString()).isEqualTo(code);
        String message = answer.response().path("Error").path("Message").asText();
        assertThat(message).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(answer.response().path("RequestId").asText()).hasSize(36);
    }
}
