package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.Sdk.assertError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CancelKeyDeletionRequest;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyResponse;
import com.tencentcloudapi.kms.v20190118.models.DescribeKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DescribeKeysRequest;
import com.tencentcloudapi.kms.v20190118.models.DisableKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.DisableKeysRequest;
import com.tencentcloudapi.kms.v20190118.models.EnableKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.EnableKeysRequest;
import com.tencentcloudapi.kms.v20190118.models.KeyMetadata;
import com.tencentcloudapi.kms.v20190118.models.ListKeyDetailRequest;
import com.tencentcloudapi.kms.v20190118.models.ListKeyDetailResponse;
import com.tencentcloudapi.kms.v20190118.models.ListKeysRequest;
import com.tencentcloudapi.kms.v20190118.models.ListKeysResponse;
import com.tencentcloudapi.kms.v20190118.models.ScheduleKeyDeletionRequest;
import com.tencentcloudapi.kms.v20190118.models.ScheduleKeyDeletionResponse;
import com.tencentcloudapi.kms.v20190118.models.UpdateKeyDescriptionRequest;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.SharedKmsServer;

/** CMK management through the official SDK (CTyun guide 3.2.1, 3.2.3, 3.2.5, 3.2.7). */
class KeyLifecycleIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private KmsServer server;
    private KmsClient kms;

    /** Every test in an account of its own, so listings see only that test's keys. */
    @BeforeEach
    void freshAccount() throws Exception {
        server = SharedKmsServer.get();
        JsonNode account = JSON.readTree(server.adminClient().call("CreateAccount", "{\"Name\":\"lifecycle\"}")).path("Response");
        kms = server.client(account.path("SecretId").asText(), account.path("SecretKey").asText());
    }

    @Test
    void createdKeyIsEnabledAndDescribedWithItsAliasAndDescription() throws Exception {
        CreateKeyRequest request = new CreateKeyRequest();
        request.setAlias("payments");
        request.setDescription("card data");
        CreateKeyResponse created = kms.CreateKey(request);
        assertThat(created.getKeyState()).isEqualTo("Enabled");
        assertThat(created.getKeyUsage()).isEqualTo("ENCRYPT_DECRYPT");
        assertThat(created.getAlias()).isEqualTo("payments");
        assertThat(created.getCreateTime()).isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));

        KeyMetadata described = describe(created.getKeyId());
        assertThat(described.getKeyId()).isEqualTo(created.getKeyId());
        assertThat(described.getAlias()).isEqualTo("payments");
        assertThat(described.getDescription()).isEqualTo("card data");
        assertThat(described.getKeyState()).isEqualTo("Enabled");
        assertThat(described.getOrigin()).isEqualTo("TENCENT_KMS");
        assertThat(described.getDeletionDate()).isZero();

        KeyMetadata byAlias = describe("payments");
        assertThat(byAlias.getKeyId()).isEqualTo(created.getKeyId());
    }

    @Test
    void createKeyRefusesBadUsagesTypesAndSpecs() throws Exception {
        CreateKeyRequest request = new CreateKeyRequest();
        request.setKeyUsage("SIGN_EVERYTHING");
        assertError("InvalidParameterValue.InvalidKeyUsage", () -> kms.CreateKey(request));
        CreateKeyRequest badType = new CreateKeyRequest();
        badType.setType(3L);
        assertError("InvalidParameterValue.InvalidType", () -> kms.CreateKey(badType));
        assertError("InvalidParameterValue", () -> kms.call("CreateKey", "{\"KeySpec\":\"RSA_1024\"}"));
        CreateKeyRequest longDescription = new CreateKeyRequest();
        longDescription.setDescription("d".repeat(1025));
        assertError("InvalidParameterValue", () -> kms.CreateKey(longDescription));
        assertThat(kms.ListKeys(new ListKeysRequest()).getTotalCount()).as("nothing was created").isZero();
    }

    @Test
    void unknownKeysAreNotFound() {
        String unknown = UUID.randomUUID().toString();
        assertError("ResourceUnavailable.CmkNotFound", () -> describe(unknown));
        assertError("ResourceUnavailable.CmkNotFound", () -> describe("no-such-alias"));
        assertError("MissingParameter", () -> describe(null));
    }

    @Test
    void descriptionCanBeUpdated() throws Exception {
        String keyId = createKey();
        UpdateKeyDescriptionRequest request = new UpdateKeyDescriptionRequest();
        request.setKeyId(keyId);
        request.setDescription("new words");
        kms.UpdateKeyDescription(request);
        assertThat(describe(keyId).getDescription()).isEqualTo("new words");
    }

    @Test
    void keysAreDisabledAndEnabledOneByOneOrInBatches() throws Exception {
        String first = createKey();
        String second = createKey();
        DisableKeyRequest disable = new DisableKeyRequest();
        disable.setKeyId(first);
        kms.DisableKey(disable);
        kms.DisableKey(disable); // idempotent
        assertThat(describe(first).getKeyState()).isEqualTo("Disabled");
        EnableKeyRequest enable = new EnableKeyRequest();
        enable.setKeyId(first);
        kms.EnableKey(enable);
        assertThat(describe(first).getKeyState()).isEqualTo("Enabled");

        DisableKeysRequest disableBoth = new DisableKeysRequest();
        disableBoth.setKeyIds(new String[] {first, second});
        kms.DisableKeys(disableBoth);
        assertThat(describe(first).getKeyState()).isEqualTo("Disabled");
        assertThat(describe(second).getKeyState()).isEqualTo("Disabled");

        EnableKeysRequest enableWithUnknown = new EnableKeysRequest();
        enableWithUnknown.setKeyIds(new String[] {first, UUID.randomUUID().toString()});
        assertError("ResourceUnavailable.CmkNotFound", () -> kms.EnableKeys(enableWithUnknown));
        assertThat(describe(first).getKeyState()).as("a batch naming an unknown key changes nothing").isEqualTo("Disabled");

        EnableKeysRequest enableBoth = new EnableKeysRequest();
        enableBoth.setKeyIds(new String[] {first, second});
        kms.EnableKeys(enableBoth);
        assertThat(describe(second).getKeyState()).isEqualTo("Enabled");
        String pending = createKey();
        schedule(pending, 7);
        DisableKeysRequest withPending = new DisableKeysRequest();
        withPending.setKeyIds(new String[] {first, pending});
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> kms.DisableKeys(withPending));
        assertThat(describe(first).getKeyState()).as("a batch naming a key pending deletion changes nothing").isEqualTo("Enabled");

        EnableKeysRequest tooMany = new EnableKeysRequest();
        tooMany.setKeyIds(java.util.Collections.nCopies(101, first).toArray(String[]::new));
        assertError("InvalidParameterValue", () -> kms.EnableKeys(tooMany));
    }

    @Test
    void deletionIsScheduledWithinSevenToThirtyDaysAndCanBeCancelled() throws Exception {
        String keyId = createKey();
        assertError("InvalidParameter.InvalidPendingWindowInDays", () -> schedule(keyId, 6));
        assertError("InvalidParameter.InvalidPendingWindowInDays", () -> schedule(keyId, 31));
        assertThat(describe(keyId).getKeyState()).isEqualTo("Enabled");

        ScheduleKeyDeletionResponse scheduled = schedule(keyId, 7);
        assertThat(scheduled.getKeyId()).isEqualTo(keyId);
        assertThat(scheduled.getDeletionDate()).isCloseTo(Instant.now().getEpochSecond() + 7 * 86400,
                org.assertj.core.data.Offset.offset(120L));
        KeyMetadata pending = describe(keyId);
        assertThat(pending.getKeyState()).isEqualTo("PendingDelete");
        assertThat(pending.getDeletionDate()).isEqualTo(scheduled.getDeletionDate());
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> schedule(keyId, 7));
        EnableKeyRequest enable = new EnableKeyRequest();
        enable.setKeyId(keyId);
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> kms.EnableKey(enable));

        CancelKeyDeletionRequest cancel = new CancelKeyDeletionRequest();
        cancel.setKeyId(keyId);
        assertThat(kms.CancelKeyDeletion(cancel).getKeyId()).isEqualTo(keyId);
        assertThat(describe(keyId).getKeyState()).as("CTyun 3.2.7: the key returns to its usable state").isEqualTo("Enabled");
        assertThat(describe(keyId).getDeletionDate()).isZero();
        assertError("ResourceUnavailable.CmkNotPendingDelete", () -> kms.CancelKeyDeletion(cancel));
    }

    @Test
    void cancellingTheDeletionOfADisabledKeyLeavesItDisabled() throws Exception {
        String keyId = createKey();
        DisableKeyRequest disable = new DisableKeyRequest();
        disable.setKeyId(keyId);
        kms.DisableKey(disable);
        schedule(keyId, 30);
        CancelKeyDeletionRequest cancel = new CancelKeyDeletionRequest();
        cancel.setKeyId(keyId);
        kms.CancelKeyDeletion(cancel);
        assertThat(describe(keyId).getKeyState()).isEqualTo("Disabled");
    }

    @Test
    void keysAreListedWithPagingAndFilters() throws Exception {
        String first = createKey();
        String second = createKey();
        String third = createKey();
        DisableKeyRequest disable = new DisableKeyRequest();
        disable.setKeyId(second);
        kms.DisableKey(disable);
        CreateKeyRequest external = new CreateKeyRequest();
        external.setType(2L);
        external.setAlias("byok-key");
        String fourth = kms.CreateKey(external).getKeyId();

        ListKeysResponse all = kms.ListKeys(new ListKeysRequest());
        assertThat(all.getTotalCount()).isEqualTo(4);
        assertThat(Arrays.stream(all.getKeys()).map(k -> k.getKeyId())).containsExactly(first, second, third, fourth);
        ListKeysRequest page = new ListKeysRequest();
        page.setOffset(1L);
        page.setLimit(2L);
        assertThat(Arrays.stream(kms.ListKeys(page).getKeys()).map(k -> k.getKeyId())).containsExactly(second, third);
        page.setLimit(201L);
        assertError("InvalidParameterValue", () -> kms.ListKeys(page));
        ListKeysRequest cloudProducts = new ListKeysRequest();
        cloudProducts.setRole(1L);
        assertThat(kms.ListKeys(cloudProducts).getTotalCount()).isZero();

        ListKeyDetailRequest detail = new ListKeyDetailRequest();
        ListKeyDetailResponse newestFirst = kms.ListKeyDetail(detail);
        assertThat(Arrays.stream(newestFirst.getKeyMetadatas()).map(KeyMetadata::getKeyId))
                .containsExactly(fourth, third, second, first);
        detail.setOrderType(1L);
        detail.setKeyState(2L);
        assertThat(Arrays.stream(kms.ListKeyDetail(detail).getKeyMetadatas()).map(KeyMetadata::getKeyId)).containsExactly(second);
        ListKeyDetailRequest byOrigin = new ListKeyDetailRequest();
        byOrigin.setOrigin("EXTERNAL");
        assertThat(Arrays.stream(kms.ListKeyDetail(byOrigin).getKeyMetadatas()).map(KeyMetadata::getKeyState))
                .containsExactly("PendingImport");
        ListKeyDetailRequest byAlias = new ListKeyDetailRequest();
        byAlias.setSearchKeyAlias("byok");
        assertThat(kms.ListKeyDetail(byAlias).getTotalCount()).isEqualTo(1);
        ListKeyDetailRequest badState = new ListKeyDetailRequest();
        badState.setKeyState(9L);
        assertError("InvalidParameterValue", () -> kms.ListKeyDetail(badState));
    }

    @Test
    void describeKeysReturnsTheKeysThatExist() throws Exception {
        String first = createKey();
        String second = createKey();
        DescribeKeysRequest request = new DescribeKeysRequest();
        request.setKeyIds(new String[] {first, UUID.randomUUID().toString(), second});
        assertThat(Arrays.stream(kms.DescribeKeys(request).getKeyMetadatas()).map(KeyMetadata::getKeyId))
                .containsExactly(first, second);
        request.setKeyIds(new String[0]);
        assertError("MissingParameter", () -> kms.DescribeKeys(request));
    }

    private String createKey() throws Exception {
        return kms.CreateKey(new CreateKeyRequest()).getKeyId();
    }

    private KeyMetadata describe(String keyId) throws Exception {
        DescribeKeyRequest request = new DescribeKeyRequest();
        request.setKeyId(keyId);
        return kms.DescribeKey(request).getKeyMetadata();
    }

    private ScheduleKeyDeletionResponse schedule(String keyId, long days) throws Exception {
        ScheduleKeyDeletionRequest request = new ScheduleKeyDeletionRequest();
        request.setKeyId(keyId);
        request.setPendingWindowInDays(days);
        return kms.ScheduleKeyDeletion(request);
    }
}
