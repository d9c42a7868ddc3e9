package org.opencmk.kms.server.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.query.keyview.AliasRecord;
import org.opencmk.kms.query.keyview.KeyRecord;
import org.opencmk.kms.query.keyview.KeyView;
import org.opencmk.kms.server.KmsProperties;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.alias.AliasService;
import org.opencmk.kms.server.audit.ApiCallLog;
import org.opencmk.kms.server.audit.AuditSubject;
import org.opencmk.kms.server.lifecycle.KeyLifecycleService;
import org.opencmk.kms.query.keyview.KeyFilter;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** CMK lifecycle: create, describe, list, enable and disable, schedule and cancel deletion. */
@Component
class LifecycleActions implements ActionSet {

    /** Tencent CreateKey Type: 1 = material made by the KMS, 2 = EXTERNAL (imported). */
    static final int TYPE_KMS = 1;
    static final int TYPE_EXTERNAL = 2;

    // ---- requests ----------------------------------------------------------------------------

    record CreateKeyRequest(String alias, String description, String keyUsage, Long type,
                            List<Map<String, String>> tags, String hsmClusterId, String keySpec,
                            String protectionLevel) { }
    record KeyIdRequest(String keyId) { }
    record KeyIdsRequest(List<String> keyIds) { }
    record ListKeysRequest(Long offset, Long limit, Long role, String hsmClusterId) { }
    record ListKeyDetailRequest(Long offset, Long limit, Long role, Long orderType, Long keyState,
                                String searchKeyAlias, String origin, String keyUsage,
                                List<Map<String, Object>> tagFilters, String hsmClusterId) { }
    record UpdateKeyDescriptionRequest(String keyId, String description) { }
    record ScheduleKeyDeletionRequest(String keyId, Long pendingWindowInDays) { }
    record NoRequest() { }

    // ---- responses ---------------------------------------------------------------------------

    record CreateKeyResponse(String keyId, String alias, long createTime, String description, String keyState,
                             String keyUsage, int tagCode, String tagMsg, String keySpec) implements AuditSubject.Carrier {
        @Override
        public AuditSubject auditSubject() {
            return AuditSubject.key(new KeyId(keyId));
        }
    }
    record KeyMetadataResponse(KeyMetadata keyMetadata, @JsonIgnore AuditSubject auditSubject)
            implements AuditSubject.Carrier { }
    record KeyMetadatasResponse(List<KeyMetadata> keyMetadatas) { }
    record KeyIdOnly(String keyId) { }
    record ListKeysResponse(List<KeyIdOnly> keys, long totalCount) { }
    record ListKeyDetailResponse(List<KeyMetadata> keyMetadatas, long totalCount) { }
    record ScheduleKeyDeletionResponse(long deletionDate, String keyId) implements AuditSubject.Carrier {
        @Override
        public AuditSubject auditSubject() {
            return AuditSubject.key(new KeyId(keyId));
        }
    }
    record KeyIdResponse(String keyId) implements AuditSubject.Carrier {
        @Override
        public AuditSubject auditSubject() {
            return AuditSubject.key(new KeyId(keyId));
        }
    }
    record ServiceStatusResponse(boolean serviceEnabled, int invalidType, int userLevel, boolean exclusiveVSMEnabled,
                                 boolean exclusiveHSMEnabled, long cmkUserCount) { }

    private final KeyLifecycleService keys;
    private final KeyView view;
    private final KeyHierarchy hierarchy;
    /** The configured HSM's name, as HsmClusterId; null without an HSM. */
    private final String hsmClusterId;

    LifecycleActions(KeyLifecycleService keys, KeyView view, KeyHierarchy hierarchy, KmsProperties properties) {
        this.keys = keys;
        this.view = view;
        this.hierarchy = hierarchy;
        this.hsmClusterId = properties.hsm().clusterId();
    }

    @Override
    public List<Action<?>> actions() {
        return List.of(
                Action.blocking("CreateKey", CreateKeyRequest.class, this::createKey, CreateKeyRequest::alias),
                Action.onEventLoop("DescribeKey", KeyIdRequest.class, this::describeKey, KeyIdRequest::keyId),
                Action.onEventLoop("DescribeKeys", KeyIdsRequest.class, this::describeKeys, r -> joined(r.keyIds())),
                // Listings sort the whole account: off the event loop until they are served by an index.
                Action.blocking("ListKeys", ListKeysRequest.class, this::listKeys, r -> null),
                Action.blocking("ListKeyDetail", ListKeyDetailRequest.class, this::listKeyDetail, r -> null),
                Action.blocking("UpdateKeyDescription", UpdateKeyDescriptionRequest.class, this::updateKeyDescription,
                        UpdateKeyDescriptionRequest::keyId),
                Action.blocking("EnableKey", KeyIdRequest.class, (c, r) -> Changed.ofKey(
                        keys.enable(c.account(), Fields.required(r.keyId(), "KeyId"))), KeyIdRequest::keyId),
                Action.blocking("DisableKey", KeyIdRequest.class, (c, r) -> Changed.ofKey(
                        keys.disable(c.account(), Fields.required(r.keyId(), "KeyId"))), KeyIdRequest::keyId),
                Action.blocking("EnableKeys", KeyIdsRequest.class, (c, r) -> Changed.ofKeys(
                        keys.enableAll(c.account(), Fields.required(r.keyIds(), "KeyIds"))), r -> joined(r.keyIds())),
                Action.blocking("DisableKeys", KeyIdsRequest.class, (c, r) -> Changed.ofKeys(
                        keys.disableAll(c.account(), Fields.required(r.keyIds(), "KeyIds"))), r -> joined(r.keyIds())),
                Action.blocking("ScheduleKeyDeletion", ScheduleKeyDeletionRequest.class, this::scheduleKeyDeletion,
                        ScheduleKeyDeletionRequest::keyId),
                Action.blocking("CancelKeyDeletion", KeyIdRequest.class, this::cancelKeyDeletion, KeyIdRequest::keyId),
                Action.blocking("GetServiceStatus", NoRequest.class, (c, r) -> Mono.just(
                        new ServiceStatusResponse(true, 0, 0, false, hierarchy.hsmAvailable(), keys.count(c.account()))),
                        r -> null));
    }

    private Mono<?> createKey(Caller caller, CreateKeyRequest r) {
        if (r.tags() != null && !r.tags().isEmpty()) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_OPERATION, "tags are not supported");
        }
        KeyUsage usage = keyUsage(r.keyUsage());
        // An asymmetric KeyUsage names its spec (Tencent has no KeySpec); an extension's KeySpec must agree.
        KeySpec spec = r.keySpec() == null || r.keySpec().isEmpty()
                ? (usage.isSymmetric() ? KeySpec.AES_256 : usage.keyPairSpec()) : keySpec(r.keySpec());
        long type = r.type() == null ? TYPE_KMS : r.type();
        if (type != TYPE_KMS && type != TYPE_EXTERNAL) {
            throw new ProtocolException(ErrorCode.INVALID_TYPE, "Type must be 1 (KMS material) or 2 (EXTERNAL)");
        }
        Origin origin = type == TYPE_EXTERNAL ? Origin.EXTERNAL : Origin.TENCENT_KMS;
        AliasName alias = r.alias() == null || r.alias().isEmpty() ? null : AliasService.aliasName(r.alias());
        ProtectionLevel level = protectionLevel(r.protectionLevel(), r.hsmClusterId());
        return Mono.fromFuture(keys.createKey(caller.account(),
                        new KeyLifecycleService.NewKey(r.description(), usage, spec, origin, alias, level)))
                .map(key -> new CreateKeyResponse(key.keyId().value(), alias == null ? "" : alias.value(),
                        key.createdAt().getEpochSecond(), key.description(), key.state().name(), key.keyUsage().name(),
                        0, "", key.keySpec().name()));
    }

    private Mono<?> describeKey(Caller caller, KeyIdRequest r) {
        KeyRecord key = keys.find(caller.account(), Fields.required(r.keyId(), "KeyId"));
        return Mono.just(new KeyMetadataResponse(metadata(caller.account(), key), AuditSubject.key(key.keyId())));
    }

    private Mono<?> describeKeys(Caller caller, KeyIdsRequest r) {
        List<KeyRecord> found = keys.findAll(caller.account(), Fields.required(r.keyIds(), "KeyIds"));
        return Mono.just(new KeyMetadatasResponse(found.stream().map(k -> metadata(caller.account(), k)).toList()));
    }

    private Mono<?> listKeys(Caller caller, ListKeysRequest r) {
        if (!userKeys(r.role())) {
            return Mono.just(new ListKeysResponse(List.of(), 0));
        }
        var page = keys.list(caller.account(), KeyFilter.ALL_OLDEST_FIRST, Paging.offset(r.offset()), Paging.limit(r.limit()));
        return Mono.just(new ListKeysResponse(page.items().stream().map(k -> new KeyIdOnly(k.keyId().value())).toList(),
                page.totalCount()));
    }

    private Mono<?> listKeyDetail(Caller caller, ListKeyDetailRequest r) {
        int orderType = Fields.inRange(r.orderType(), 0, 0, 1, "OrderType");
        KeyState state = keyStateFilter(r.keyState());
        if (r.tagFilters() != null && !r.tagFilters().isEmpty()) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_OPERATION, "tags are not supported");
        }
        KeyFilter filter = new KeyFilter(state, originFilter(r.origin()), keyUsageFilter(r.keyUsage()),
                r.searchKeyAlias(), orderType == 0);
        int offset = Paging.offset(r.offset());
        int limit = Paging.limit(r.limit());
        if (!userKeys(r.role())) {
            return Mono.just(new ListKeyDetailResponse(List.of(), 0));
        }
        AccountId account = caller.account();
        var page = keys.list(account, filter, offset, limit);
        return Mono.just(new ListKeyDetailResponse(page.items().stream().map(k -> metadata(account, k)).toList(),
                page.totalCount()));
    }

    /** ListKeyDetail's KeyState filter: 0 all (null here), 1 Enabled, 2 Disabled, 3 PendingDelete, 4 PendingImport. */
    private static KeyState keyStateFilter(Long value) {
        return switch (Fields.inRange(value, 0, 0, 4, "KeyState")) {
            case 1 -> KeyState.Enabled;
            case 2 -> KeyState.Disabled;
            case 3 -> KeyState.PendingDelete;
            case 4 -> KeyState.PendingImport;
            default -> null;
        };
    }

    /** ListKeyDetail's Origin filter: TENCENT_KMS, EXTERNAL, or ALL (the default; null here). */
    private static Origin originFilter(String value) {
        if (value == null || value.isEmpty() || value.equals("ALL")) {
            return null;
        }
        return switch (value) {
            case "TENCENT_KMS" -> Origin.TENCENT_KMS;
            case "EXTERNAL" -> Origin.EXTERNAL;
            default -> throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE,
                    "Origin must be TENCENT_KMS, EXTERNAL or ALL");
        };
    }

    /** ListKeyDetail's KeyUsage filter: ENCRYPT_DECRYPT by default, as Tencent; ALL for every usage (null here). */
    private static KeyUsage keyUsageFilter(String value) {
        if (value != null && value.equals("ALL")) {
            return null;
        }
        return keyUsage(value);
    }

    /** Role 0 (the default) lists keys the user created; role 1, keys of cloud products: none here. */
    private static boolean userKeys(Long role) {
        return Fields.inRange(role, 0, 0, 1, "Role") == 0;
    }

    private Mono<?> updateKeyDescription(Caller caller, UpdateKeyDescriptionRequest r) {
        if (r.description() == null) {
            throw new ProtocolException(ErrorCode.MISSING_PARAMETER, "the parameter Description is required");
        }
        return Changed.ofKey(keys.updateDescription(caller.account(), Fields.required(r.keyId(), "KeyId"), r.description()));
    }

    private Mono<?> scheduleKeyDeletion(Caller caller, ScheduleKeyDeletionRequest r) {
        long days = Fields.required(r.pendingWindowInDays(), "PendingWindowInDays");
        int window = days < Integer.MIN_VALUE || days > Integer.MAX_VALUE ? -1 : (int) days;
        return Mono.fromFuture(keys.scheduleDeletion(caller.account(), Fields.required(r.keyId(), "KeyId"), window))
                .map(scheduled -> new ScheduleKeyDeletionResponse(scheduled.deletionDate().getEpochSecond(),
                        scheduled.keyId().value()));
    }

    private Mono<?> cancelKeyDeletion(Caller caller, KeyIdRequest r) {
        return Mono.fromFuture(keys.cancelDeletion(caller.account(), Fields.required(r.keyId(), "KeyId")))
                .map(keyId -> new KeyIdResponse(keyId.value()));
    }

    private KeyMetadata metadata(AccountId account, KeyRecord key) {
        List<AliasRecord> keyAliases = view.aliasesOf(account, key.keyId());
        return KeyMetadata.of(key, keyAliases.isEmpty() ? null : keyAliases.get(0),
                key.protectionLevel() == ProtectionLevel.HSM && hsmClusterId != null ? hsmClusterId : "");
    }

    /**
     * The protection level CreateKey asks for: {@code ProtectionLevel} (extension: SOFTWARE, the
     * default, or HSM), or Tencent's {@code HsmClusterId}, which asks for HSM and must name this
     * server's HSM when one is configured.
     */
    private ProtectionLevel protectionLevel(String requested, String clusterId) {
        boolean namesCluster = clusterId != null && !clusterId.isEmpty();
        ProtectionLevel level;
        if (requested == null || requested.isEmpty()) {
            level = namesCluster ? ProtectionLevel.HSM : ProtectionLevel.SOFTWARE;
        } else {
            try {
                level = ProtectionLevel.valueOf(requested);
            } catch (IllegalArgumentException e) {
                throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE,
                        "ProtectionLevel must be SOFTWARE or HSM, not " + ApiCallLog.callerText(requested));
            }
            if (level == ProtectionLevel.SOFTWARE && namesCluster) {
                throw new ProtocolException(ErrorCode.INVALID_PARAMETER,
                        "HsmClusterId asks for an HSM key, and ProtectionLevel says SOFTWARE");
            }
        }
        if (namesCluster && hsmClusterId != null && !hsmClusterId.equals(clusterId)) {
            throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE, "HsmClusterId "
                    + ApiCallLog.callerText(clusterId) + " is not this server's HSM (" + hsmClusterId + ")");
        }
        return level;
    }

    static KeyUsage keyUsage(String value) {
        if (value == null || value.isEmpty()) {
            return KeyUsage.ENCRYPT_DECRYPT;
        }
        try {
            return KeyUsage.valueOf(value);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.INVALID_KEY_USAGE, "KeyUsage " + value + " is not known");
        }
    }

    private static KeySpec keySpec(String value) {
        try {
            return KeySpec.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE,
                    "KeySpec must be one of " + java.util.Arrays.toString(KeySpec.values()));
        }
    }


    static String joined(List<String> keyIds) {
        return keyIds == null ? null : String.join(",", keyIds);
    }
}
