package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.Sdk.assertError;

import com.tencentcloudapi.kms.v20190118.models.ListKeysRequest;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.RawClient;

/**
 * {@code KMS_AUTH_REQUIRE_SIGNED_ACTION=true}: a request is served only if its signature covers
 * X-TC-Action, so a captured request cannot be replayed as another action with the same fields.
 */
class RequireSignedActionIT {

    private static KmsServer server;
    private static RawClient raw;

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of("kms.auth.require-signed-action", "true"));
        raw = server.rawAdmin();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aRequestWhoseSignatureLeavesOutTheActionIsRefused() {
        RawClient.Answer answer = raw.call("ListKeys", "{}");
        assertThat(answer.errorCode()).isEqualTo("AuthFailure.InvalidAuthorization");
        assertThat(answer.response().path("Error").path("Message").asText()).contains("x-tc-action");
        // the official Java SDK signs only content-type;host
        assertError("AuthFailure.InvalidAuthorization", () -> server.adminClient().ListKeys(new ListKeysRequest()));
    }

    @Test
    void aRequestThatSignsTheActionIsServed() {
        RawClient.Answer keys = raw.callSigningAction("ListKeys", "ListKeys", "{}");
        assertThat(keys.errorCode()).as(keys.response().toString()).isNull();
        assertThat(keys.response().has("TotalCount")).isTrue();
        RawClient.Answer random = raw.callSigningAction("GenerateRandom", "GenerateRandom", "{\"NumberOfBytes\":16}");
        assertThat(Base64.getDecoder().decode(random.response().path("Plaintext").asText())).hasSize(16);
    }

    @Test
    void aSignedActionCannotBeSwappedForAnother() {
        assertThat(raw.callSigningAction("ListKeys", "ListAliases", "{}").errorCode()).isEqualTo("AuthFailure.SignatureFailure");
    }
}
