package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.Sdk.assertError;
import static org.opencmk.kms.server.support.Sdk.b64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DescribeKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.UpdateAliasRequest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.SharedKmsServer;

/** Aliases (CTyun guide 3.2.4): unique per account, many per key, usable wherever a key id is. */
class AliasIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private KmsClient kms;

    @BeforeEach
    void freshAccount() {
        kms = Accounts.create(SharedKmsServer.get(), "aliases").sdk();
    }

    @Test
    void aKeyHasManyAliasesAndEachWorksWhereAKeyIdDoes() throws Exception {
        String keyId = createKey("first");
        JsonNode created = call("CreateAlias", "{\"Alias\":\"second\",\"KeyId\":\"" + keyId + "\"}");
        assertThat(created.path("Alias").asText()).isEqualTo("second");
        assertThat(created.path("KeyId").asText()).isEqualTo(keyId);

        String blob = JSON.readTree(kms.call("Encrypt", "{\"KeyId\":\"second\",\"Plaintext\":\"" + b64("hi") + "\"}"))
                .path("Response").path("CiphertextBlob").asText();
        assertThat(call("Decrypt", "{\"CiphertextBlob\":\"" + blob + "\"}").path("KeyId").asText()).isEqualTo(keyId);
        assertThat(call("DescribeKey", "{\"KeyId\":\"alias/first\"}").path("KeyMetadata").path("KeyId").asText()).isEqualTo(keyId);

        JsonNode ofKey = call("ListAliasesByKeyId", "{\"KeyId\":\"" + keyId + "\"}");
        assertThat(ofKey.path("TotalCount").asInt()).isEqualTo(2);
        assertThat(ofKey.path("Aliases").get(0).path("Alias").asText()).isEqualTo("first");
        assertThat(describe(keyId).path("Alias").asText()).as("DescribeKey shows the first alias").isEqualTo("first");
    }

    @Test
    void aliasesAreUniqueWithinTheAccount() throws Exception {
        String keyId = createKey("taken");
        String other = createKey(null);
        assertError("InvalidParameterValue.AliasAlreadyExists", () -> call("CreateAlias", "{\"Alias\":\"taken\",\"KeyId\":\"" + other + "\"}"));
        CreateKeyRequest duplicate = new CreateKeyRequest();
        duplicate.setAlias("taken");
        assertError("InvalidParameterValue.AliasAlreadyExists", () -> kms.CreateKey(duplicate));
        assertThat(call("ListKeys", "{}").path("TotalCount").asInt()).as("the refused CreateKey left no key").isEqualTo(2);
        assertThat(call("ListAliasesByKeyId", "{\"KeyId\":\"" + keyId + "\"}").path("TotalCount").asInt()).isEqualTo(1);
    }

    @Test
    void anotherAccountMayUseTheSameAliasName() throws Exception {
        createKey("shared-name");
        KmsClient other = Accounts.create(SharedKmsServer.get(), "other").sdk();
        CreateKeyRequest request = new CreateKeyRequest();
        request.setAlias("shared-name");
        String otherKey = other.CreateKey(request).getKeyId();
        DescribeKeyRequest describe = new DescribeKeyRequest();
        describe.setKeyId("shared-name");
        assertThat(other.DescribeKey(describe).getKeyMetadata().getKeyId()).isEqualTo(otherKey);
    }

    @Test
    void updateAliasRepointsItToAnotherKey() throws Exception {
        String first = createKey("moving");
        String second = createKey(null);
        UpdateAliasRequest update = new UpdateAliasRequest();
        update.setAlias("moving");
        update.setKeyId(second);
        kms.UpdateAlias(update);
        assertThat(describe("moving").path("KeyId").asText()).isEqualTo(second);
        assertThat(call("ListAliasesByKeyId", "{\"KeyId\":\"" + first + "\"}").path("TotalCount").asInt()).isZero();
        update.setAlias("never-created");
        assertError("ResourceNotFound", () -> kms.UpdateAlias(update));
    }

    @Test
    void deletingAnAliasLeavesTheKey() throws Exception {
        String keyId = createKey("short-lived");
        call("DeleteAlias", "{\"Alias\":\"short-lived\"}");
        assertError("ResourceUnavailable.CmkNotFound", () -> describe("short-lived"));
        assertThat(describe(keyId).path("KeyState").asText()).isEqualTo("Enabled");
        assertThat(describe(keyId).path("Alias").asText()).isEmpty();
        assertError("ResourceNotFound", () -> call("DeleteAlias", "{\"Alias\":\"short-lived\"}"));
        call("CreateAlias", "{\"Alias\":\"short-lived\",\"KeyId\":\"" + keyId + "\"}");
        assertThat(describe("short-lived").path("KeyId").asText()).as("a deleted alias name can be used again").isEqualTo(keyId);
    }

    @Test
    void invalidAliasNamesAreRefused() throws Exception {
        String keyId = createKey(null);
        for (String bad : new String[] {"1starts-with-digit", "has space", "kms-reserved", "x".repeat(61),
                "c0ffee00-0000-4000-8000-000000000000", "中文"}) {
            assertError("InvalidParameterValue.InvalidAlias",
                    () -> call("CreateAlias", "{\"Alias\":" + JSON.writeValueAsString(bad) + ",\"KeyId\":\"" + keyId + "\"}"));
        }
        assertError("MissingParameter", () -> call("CreateAlias", "{\"KeyId\":\"" + keyId + "\"}"));
        assertThat(call("ListAliases", "{}").path("TotalCount").asInt()).isZero();
    }

    @Test
    void aliasesAreListedWithPaging() throws Exception {
        String keyId = createKey("a1");
        call("CreateAlias", "{\"Alias\":\"a2\",\"KeyId\":\"" + keyId + "\"}");
        call("CreateAlias", "{\"Alias\":\"a3\",\"KeyId\":\"" + keyId + "\"}");
        JsonNode page = call("ListAliases", "{\"Offset\":1,\"Limit\":1}");
        assertThat(page.path("TotalCount").asInt()).isEqualTo(3);
        assertThat(page.path("Aliases").size()).isEqualTo(1);
        assertThat(page.path("Aliases").get(0).path("Alias").asText()).isEqualTo("a2");
        assertThat(page.path("Aliases").get(0).path("CreateTime").asLong()).isPositive();
    }

    private String createKey(String alias) throws Exception {
        CreateKeyRequest request = new CreateKeyRequest();
        request.setAlias(alias);
        return kms.CreateKey(request).getKeyId();
    }

    private JsonNode describe(String keyIdOrAlias) throws Exception {
        return call("DescribeKey", "{\"KeyId\":\"" + keyIdOrAlias + "\"}").path("KeyMetadata");
    }

    private JsonNode call(String action, String body) throws Exception {
        return JSON.readTree(kms.call(action, body)).path("Response");
    }
}
