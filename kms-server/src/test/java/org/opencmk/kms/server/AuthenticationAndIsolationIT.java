package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.Sdk.assertError;
import static org.opencmk.kms.server.support.Sdk.b64;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DescribeKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.ListKeysRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.RawClient;
import org.opencmk.kms.server.support.SharedKmsServer;

/** TC3-HMAC-SHA256 authentication and the wall between accounts. */
class AuthenticationAndIsolationIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static KmsServer server;

    @BeforeAll
    static void server() {
        server = SharedKmsServer.get();
    }

    @Test
    void aWrongSecretKeyFailsTheSignature() {
        KmsClient wrong = server.client(KmsServer.BOOTSTRAP_SECRET_ID, "not-the-secret-key-at-all-000000");
        assertError("AuthFailure.SignatureFailure", () -> wrong.ListKeys(new ListKeysRequest()));
    }

    @Test
    void anUnknownSecretIdIsNotFound() {
        KmsClient unknown = server.client("AKIDnoSuchCredential00000000000000000", "whatever-secret-key-00000000000");
        assertError("AuthFailure.SecretIdNotFound", () -> unknown.ListKeys(new ListKeysRequest()));
    }

    @Test
    void aTimestampMoreThanFiveMinutesOffHasExpired() {
        RawClient raw = server.rawAdmin();
        long sixMinutesAgo = Instant.now().getEpochSecond() - 360;
        var answer = raw.call("ListKeys", "{}".getBytes(StandardCharsets.UTF_8), sixMinutesAgo,
                KmsServer.BOOTSTRAP_SECRET_KEY, "127.0.0.1:" + server.port());
        assertThat(answer.errorCode()).isEqualTo("AuthFailure.SignatureExpire");
        long sixMinutesAhead = Instant.now().getEpochSecond() + 360;
        assertThat(raw.call("ListKeys", "{}".getBytes(StandardCharsets.UTF_8), sixMinutesAhead,
                KmsServer.BOOTSTRAP_SECRET_KEY, "127.0.0.1:" + server.port()).errorCode()).isEqualTo("AuthFailure.SignatureExpire");
        long fourMinutesAgo = Instant.now().getEpochSecond() - 240;
        assertThat(raw.call("ListKeys", "{}".getBytes(StandardCharsets.UTF_8), fourMinutesAgo,
                KmsServer.BOOTSTRAP_SECRET_KEY, "127.0.0.1:" + server.port()).errorCode()).isNull();
    }

    /**
     * X-TC-Timestamp is ASCII digits (a leading minus allowed). Before, a signature dated Long.MIN_VALUE + now
     * passed the skew check (abs overflowed) and then failed as an InternalError, with an ERROR
     * stack trace in the log.
     */
    @Test
    void aMalformedOrFarOffTimestampIsAnAuthFailureAndNeverAnInternalError() throws Exception {
        RawClient raw = server.rawAdmin();
        long logBefore = Files.size(server.logFile());
        long now = Instant.now().getEpochSecond();
        for (String timestamp : List.of("+" + now, "0x" + Long.toHexString(now), now + ".0", "1e9")) {
            assertThat(raw.callWithTimestamp("ListKeys", "{}", timestamp).errorCode()).as(timestamp)
                    .isEqualTo("AuthFailure.InvalidAuthorization");
        }
        List<String> farOff = new ArrayList<>(List.of("0", "1", "999999999999999999", Long.toString(now + 86_400 * 365),
                "-9223372036854775808", "9223372036854775807", "99999999999999999999", "-" + now));
        for (long drift = -5; drift <= 5; drift++) {
            farOff.add(Long.toString(Long.MIN_VALUE + now + drift));
        }
        for (String timestamp : farOff) {
            assertThat(raw.callWithTimestamp("ListKeys", "{}", timestamp).errorCode()).as(timestamp)
                    .isEqualTo("AuthFailure.SignatureExpire");
        }
        assertThat(raw.callWithTimestamp("ListKeys", "{}", Long.toString(now)).errorCode()).isNull();
        byte[] log = Files.readAllBytes(server.logFile());
        assertThat(new String(log, (int) logBefore, log.length - (int) logBefore, StandardCharsets.UTF_8))
                .doesNotContain(" ERROR ").doesNotContain("Exception");
    }

    /** The official SDKs sign only content-type;host; a client that signs X-TC-Action is held to it. */
    @Test
    void anActionTheClientSignedCannotBeSwapped() {
        RawClient raw = server.rawAdmin();
        assertThat(raw.callSigningAction("ListKeys", "ListKeys", "{}").errorCode()).isNull();
        assertThat(raw.callSigningAction("ListKeys", "ListAliases", "{}").errorCode()).isEqualTo("AuthFailure.SignatureFailure");
    }

    @Test
    void aSignatureOverTheHostWithoutItsPortIsAcceptedAsTheNodeSdkSendsIt() {
        var answer = server.rawAdmin().call("ListKeys", "{}".getBytes(StandardCharsets.UTF_8),
                Instant.now().getEpochSecond(), KmsServer.BOOTSTRAP_SECRET_KEY, "127.0.0.1");
        assertThat(answer.errorCode()).isNull();
        assertThat(answer.status()).isEqualTo(200);
    }

    @Test
    void aTamperedBodyFailsTheSignature() {
        // signed over one body, sent with another: the raw client signs what it sends, so sign by hand
        RawClient raw = server.rawAdmin();
        var good = raw.call("ListKeys", "{}");
        assertThat(good.errorCode()).isNull();
        var missing = raw.unsigned("ListKeys", "{}", null);
        assertThat(missing.errorCode()).isEqualTo("AuthFailure.InvalidAuthorization");
        var garbage = raw.unsigned("ListKeys", "{}", "Basic dXNlcjpwYXNz");
        assertThat(garbage.errorCode()).isEqualTo("AuthFailure.InvalidAuthorization");
        String forged = "TC3-HMAC-SHA256 Credential=" + KmsServer.BOOTSTRAP_SECRET_ID + "/"
                + java.time.LocalDate.now(java.time.ZoneOffset.UTC) + "/kms/tc3_request, SignedHeaders=content-type;host, Signature="
                + "0".repeat(64);
        assertThat(raw.unsigned("ListKeys", "{}", forged).errorCode()).isEqualTo("AuthFailure.SignatureFailure");
    }

    @Test
    void anotherAccountsKeysAreInvisibleAndUntouchable() throws Exception {
        Accounts alice = Accounts.create(server, "alice");
        Accounts bob = Accounts.create(server, "bob");
        CreateKeyRequest create = new CreateKeyRequest();
        create.setAlias("alice-key");
        String aliceKey = alice.sdk().CreateKey(create).getKeyId();
        String blob = JSON.readTree(alice.sdk().call("Encrypt", "{\"KeyId\":\"" + aliceKey + "\",\"Plaintext\":\"" + b64("alice") + "\"}"))
                .path("Response").path("CiphertextBlob").asText();

        KmsClient b = bob.sdk();
        DescribeKeyRequest describe = new DescribeKeyRequest();
        describe.setKeyId(aliceKey);
        assertError("ResourceUnavailable.CmkNotFound", () -> b.DescribeKey(describe));
        describe.setKeyId("alice-key");
        assertError("ResourceUnavailable.CmkNotFound", () -> b.DescribeKey(describe));
        assertError("ResourceUnavailable.CmkNotFound", () -> b.call("Encrypt", "{\"KeyId\":\"" + aliceKey + "\",\"Plaintext\":\"" + b64("x") + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> b.call("Decrypt", "{\"CiphertextBlob\":\"" + blob + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> b.call("DisableKey", "{\"KeyId\":\"" + aliceKey + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> b.call("ScheduleKeyDeletion", "{\"KeyId\":\"" + aliceKey + "\",\"PendingWindowInDays\":7}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> b.call("UpdateKeyDescription", "{\"KeyId\":\"" + aliceKey + "\",\"Description\":\"x\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> b.call("CreateAlias", "{\"Alias\":\"stolen\",\"KeyId\":\"" + aliceKey + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> b.call("ListAliasesByKeyId", "{\"KeyId\":\"" + aliceKey + "\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> b.call("GenerateDataKey", "{\"KeyId\":\"" + aliceKey + "\",\"KeySpec\":\"AES_256\"}"));
        assertError("ResourceUnavailable.CmkNotFound", () -> b.call("ReEncrypt", "{\"CiphertextBlob\":\"" + blob + "\"}"));
        assertThat(b.ListKeys(new ListKeysRequest()).getTotalCount()).isZero();
        assertThat(JSON.readTree(b.call("ListAliases", "{}")).path("Response").path("TotalCount").asInt()).isZero();

        DescribeKeyRequest own = new DescribeKeyRequest();
        own.setKeyId(aliceKey);
        assertThat(alice.sdk().DescribeKey(own).getKeyMetadata().getKeyState()).as("bob changed nothing").isEqualTo("Enabled");
        assertThat(alice.sdk().DescribeKey(own).getKeyMetadata().getCreatorUin()).isEqualTo(alice.accountId());
    }

    @Test
    void aCredentialMovedToAnotherAccountInTheDatabaseNoLongerWorks() throws Exception {
        Accounts victim = Accounts.create(server, "victim");
        Accounts intruder = Accounts.create(server, "intruder");
        victim.sdk().CreateKey(new CreateKeyRequest());
        var jdbc = server.bean(org.springframework.jdbc.core.JdbcTemplate.class);
        // a credential re-pointed by someone with write access to the table: every change to a row
        // reaches the nodes' memory (within a poll), and this one no longer unwraps there
        var spare = JSON.readTree(server.adminClient().call("CreateCredential", "{\"AccountId\":" + intruder.accountId() + "}"))
                .path("Response");
        jdbc.update("UPDATE kms_credential SET account_id = ? WHERE secret_id = ?", victim.accountId(), spare.path("SecretId").asText());
        KmsClient moved = server.client(spare.path("SecretId").asText(), spare.path("SecretKey").asText());
        Instant giveUp = Instant.now().plusSeconds(10);
        String code = null;
        while (!"AuthFailure.SecretIdNotFound".equals(code) && Instant.now().isBefore(giveUp)) {
            try {
                assertThat(moved.ListKeys(new ListKeysRequest()).getTotalCount()).as("never the victim's keys").isZero();
                Thread.sleep(20);
            } catch (com.tencentcloudapi.common.exception.TencentCloudSDKException e) {
                code = e.getErrorCode();
            }
        }
        assertThat(code).isEqualTo("AuthFailure.SecretIdNotFound");
    }

    @Test
    void onlyTheAdministrativeCredentialManagesAccounts() throws Exception {
        Accounts carol = Accounts.create(server, "carol");
        assertError("UnauthorizedOperation", () -> carol.sdk().call("CreateAccount", "{\"Name\":\"mallory\"}"));
        assertError("UnauthorizedOperation", () -> carol.sdk().call("CreateCredential", "{\"AccountId\":" + carol.accountId() + "}"));

        var second = JSON.readTree(server.adminClient().call("CreateCredential", "{\"AccountId\":" + carol.accountId() + "}")).path("Response");
        assertThat(second.path("AccountId").asLong()).isEqualTo(carol.accountId());
        KmsClient carolAgain = server.client(second.path("SecretId").asText(), second.path("SecretKey").asText());
        String keyId = carol.sdk().CreateKey(new CreateKeyRequest()).getKeyId();
        DescribeKeyRequest describe = new DescribeKeyRequest();
        describe.setKeyId(keyId);
        assertThat(carolAgain.DescribeKey(describe).getKeyMetadata().getKeyId()).as("both credentials act for one account").isEqualTo(keyId);

        assertError("ResourceNotFound", () -> server.adminClient().call("CreateCredential", "{\"AccountId\":999}"));
        assertError("MissingParameter", () -> server.adminClient().call("CreateAccount", "{}"));
    }
}
