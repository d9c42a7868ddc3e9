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

    /** CTyun's meaning: an alias that exists is re-pointed. */
    @Test
    void updateAliasRepointsAnExistingAliasToAnotherKey() throws Exception {
        String first = createKey("moving");
        String second = createKey(null);
        kms.UpdateAlias(updateAlias("moving", second));
        assertThat(describe("moving").path("KeyId").asText()).isEqualTo(second);
        assertThat(call("ListAliasesByKeyId", "{\"KeyId\":\"" + first + "\"}").path("TotalCount").asInt()).isZero();
        assertThat(describe(second).path("Alias").asText()).isEqualTo("moving");
    }

    /** Tencent's meaning: a key has one alias, and UpdateAlias gives it a new name. */
    @Test
    void updateAliasWithANewNameRenamesTheKeysOnlyAlias() throws Exception {
        String keyId = createKey("old-name");
        String blob = JSON.readTree(kms.call("Encrypt", "{\"KeyId\":\"old-name\",\"Plaintext\":\"" + b64("hi") + "\"}"))
                .path("Response").path("CiphertextBlob").asText();

        kms.UpdateAlias(updateAlias("new-name", keyId));

        assertThat(describe(keyId).path("Alias").asText()).isEqualTo("new-name");
        assertThat(describe("new-name").path("KeyId").asText()).isEqualTo(keyId);
        assertError("ResourceUnavailable.CmkNotFound", () -> describe("old-name"));
        JsonNode aliases = call("ListAliasesByKeyId", "{\"KeyId\":\"" + keyId + "\"}");
        assertThat(aliases.path("TotalCount").asInt()).isEqualTo(1);
        assertThat(aliases.path("Aliases").get(0).path("Alias").asText()).isEqualTo("new-name");
        assertThat(call("Decrypt", "{\"CiphertextBlob\":\"" + blob + "\"}").path("KeyId").asText())
                .as("the key is the same key").isEqualTo(keyId);

        String other = createKey(null);
        call("CreateAlias", "{\"Alias\":\"old-name\",\"KeyId\":\"" + other + "\"}");
        assertThat(describe("old-name").path("KeyId").asText()).as("the old name is free").isEqualTo(other);
    }

    @Test
    void updateAliasWithANewNameIsRefusedUnlessTheKeyHasExactlyOneAlias() throws Exception {
        String withoutAlias = createKey(null);
        assertError("ResourceNotFound", () -> kms.UpdateAlias(updateAlias("never-created", withoutAlias)));
        String withTwo = createKey("one");
        call("CreateAlias", "{\"Alias\":\"two\",\"KeyId\":\"" + withTwo + "\"}");
        assertError("ResourceNotFound", () -> kms.UpdateAlias(updateAlias("three", withTwo)));

        assertThat(call("ListAliases", "{}").path("Aliases").findValuesAsText("Alias")).containsExactly("one", "two");
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

    private static UpdateAliasRequest updateAlias(String alias, String keyId) {
        UpdateAliasRequest request = new UpdateAliasRequest();
        request.setAlias(alias);
        request.setKeyId(keyId);
        return request;
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
