package org.opencmk.kms.server.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.kms.v20190118.KmsClient;

/** A fresh account made through the admin action, with the SDK client and raw client of its credential. */
public record Accounts(long accountId, String secretId, String secretKey, KmsClient sdk, RawClient raw) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static Accounts create(KmsServer server, String name) {
        try {
            JsonNode account = JSON.readTree(server.adminClient().call("CreateAccount",
                    "{\"Name\":\"" + name + "\"}")).path("Response");
            String secretId = account.path("SecretId").asText();
            String secretKey = account.path("SecretKey").asText();
            return new Accounts(account.path("AccountId").asLong(), secretId, secretKey,
                    server.client(secretId, secretKey), server.raw(secretId, secretKey));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
