package org.opencmk.kms.server.protocol;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.query.keyview.AliasRecord;
import org.opencmk.kms.query.keyview.KeyRecord;
import org.opencmk.kms.query.keyview.KeyView;
import org.opencmk.kms.server.account.Accounts;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.account.IssuedCredential;
import org.opencmk.kms.server.alias.AliasService;
import org.opencmk.kms.server.lifecycle.KeyLifecycleService;
import org.opencmk.kms.server.usage.CryptoService;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Every action of the API: its name, its request fields (PascalCase on the wire), how it is
 * answered. Requests are records bound strictly from JSON (unknown fields, wrong types and
 * numbers out of range are refused before a handler runs); handlers translate to the
 * protocol-neutral services and back.
 */
@Component
public class TencentActions {

    /** Tencent ListKeys / ListKeyDetail: Limit defaults to 10 and is at most 200. */
    static final int DEFAULT_LIMIT = 10;
    static final int MAX_LIMIT = 200;
    /** Tencent CreateKey Type: 1 = material made by the KMS, 2 = EXTERNAL (imported). */
    static final int TYPE_KMS = 1;
    static final int TYPE_EXTERNAL = 2;

    /**
     * One action.
     *
     * @param keyOf the key id or alias a request names, for the audit line (may return null)
     */
    public record Action<R>(String name, Class<R> requestType, BiFunction<Caller, R, Mono<?>> handler,
                            Function<R, String> keyOf) {
        @SuppressWarnings("unchecked")
        Mono<?> handle(Caller caller, Object request) {
            return handler.apply(caller, (R) request);
        }

        @SuppressWarnings("unchecked")
        String keyOf(Object request) {
            return keyOf.apply((R) request);
        }
    }

    // ---- requests ----------------------------------------------------------------------------

    public record CreateKeyRequest(String alias, String description, String keyUsage, Long type,
                                   List<Map<String, String>> tags, String hsmClusterId, String keySpec) { }
    public record KeyIdRequest(String keyId) { }
    public record KeyIdsRequest(List<String> keyIds) { }
    public record ListKeysRequest(Long offset, Long limit, Long role, String hsmClusterId) { }
    public record ListKeyDetailRequest(Long offset, Long limit, Long role, Long orderType, Long keyState,
                                       String searchKeyAlias, String origin, String keyUsage,
                                       List<Map<String, Object>> tagFilters, String hsmClusterId) { }
    public record UpdateKeyDescriptionRequest(String keyId, String description) { }
    public record ScheduleKeyDeletionRequest(String keyId, Long pendingWindowInDays) { }
    public record AliasRequest(String alias, String keyId) { }
    public record DeleteAliasRequest(String alias) { }
    public record ListAliasesRequest(Long offset, Long limit) { }
    public record ListAliasesByKeyIdRequest(String keyId, Long offset, Long limit) { }
    public record EncryptRequest(String keyId, String plaintext, String encryptionContext) { }
    public record DecryptRequest(String ciphertextBlob, String encryptionContext, String encryptionPublicKey,
                                 String encryptionAlgorithm) { }
    public record ReEncryptRequest(String ciphertextBlob, String destinationKeyId, String sourceEncryptionContext,
                                   String destinationEncryptionContext) { }
    public record GenerateDataKeyRequest(String keyId, String keySpec, Long numberOfBytes, String encryptionContext,
                                         String encryptionPublicKey, String encryptionAlgorithm) { }
    public record GenerateRandomRequest(Long numberOfBytes) { }
    public record NoRequest() { }
    public record CreateAccountRequest(String name) { }
    public record CreateCredentialRequest(Long accountId) { }

    // ---- responses ---------------------------------------------------------------------------

    record CreateKeyResponse(String keyId, String alias, long createTime, String description, String keyState,
                             String keyUsage, int tagCode, String tagMsg, String keySpec) { }
    record KeyMetadataResponse(KeyMetadata keyMetadata) { }
    record KeyMetadatasResponse(List<KeyMetadata> keyMetadatas) { }
    record KeyIdOnly(String keyId) { }
    record ListKeysResponse(List<KeyIdOnly> keys, long totalCount) { }
    record ListKeyDetailResponse(List<KeyMetadata> keyMetadatas, long totalCount) { }
    record Empty() { }
    record ScheduleKeyDeletionResponse(long deletionDate, String keyId) { }
    record KeyIdResponse(String keyId) { }
    record AliasResponse(String alias, String keyId, long createTime) { }
    record ListAliasesResponse(List<AliasResponse> aliases, long totalCount) { }
    record EncryptResponse(String ciphertextBlob, String keyId, String keyVersionId) { }
    record DecryptResponse(String keyId, String plaintext, String keyVersionId) { }
    record ReEncryptResponse(String ciphertextBlob, String keyId, String sourceKeyId, boolean reEncrypted,
                             String keyVersionId) { }
    record GenerateDataKeyResponse(String keyId, String plaintext, String ciphertextBlob, String keyVersionId) { }
    record GenerateRandomResponse(String plaintext) { }
    record AlgorithmInfo(String keyUsage, String algorithm) { }
    record ListAlgorithmsResponse(List<AlgorithmInfo> symmetricAlgorithms, List<AlgorithmInfo> asymmetricAlgorithms,
                                  List<AlgorithmInfo> asymmetricSignVerifyAlgorithms) { }
    record ServiceStatusResponse(boolean serviceEnabled, int invalidType, int userLevel, boolean exclusiveVSMEnabled,
                                 boolean exclusiveHSMEnabled, long cmkUserCount) { }
    record CredentialResponse(long accountId, String secretId, String secretKey) { }

    private final Map<String, Action<?>> actions = new LinkedHashMap<>();
    private final KeyLifecycleService keys;
    private final AliasService aliases;
    private final CryptoService crypto;
    private final KeyView view;
    private final Accounts accounts;

    public TencentActions(KeyLifecycleService keys, AliasService aliases, CryptoService crypto, KeyView view,
                          Accounts accounts) {
        this.keys = keys;
        this.aliases = aliases;
        this.crypto = crypto;
        this.view = view;
        this.accounts = accounts;

        add("CreateKey", CreateKeyRequest.class, this::createKey, r -> r.alias());
        add("DescribeKey", KeyIdRequest.class, this::describeKey, KeyIdRequest::keyId);
        add("DescribeKeys", KeyIdsRequest.class, this::describeKeys, r -> joined(r.keyIds()));
        add("ListKeys", ListKeysRequest.class, this::listKeys, r -> null);
        add("ListKeyDetail", ListKeyDetailRequest.class, this::listKeyDetail, r -> null);
        add("UpdateKeyDescription", UpdateKeyDescriptionRequest.class, this::updateKeyDescription,
                UpdateKeyDescriptionRequest::keyId);
        add("EnableKey", KeyIdRequest.class, (c, r) -> done(keys.enable(c.account(), Fields.required(r.keyId(), "KeyId"))),
                KeyIdRequest::keyId);
        add("DisableKey", KeyIdRequest.class, (c, r) -> done(keys.disable(c.account(), Fields.required(r.keyId(), "KeyId"))),
                KeyIdRequest::keyId);
        add("EnableKeys", KeyIdsRequest.class, (c, r) -> done(keys.enableAll(c.account(), Fields.required(r.keyIds(), "KeyIds"))),
                r -> joined(r.keyIds()));
        add("DisableKeys", KeyIdsRequest.class, (c, r) -> done(keys.disableAll(c.account(), Fields.required(r.keyIds(), "KeyIds"))),
                r -> joined(r.keyIds()));
        add("ScheduleKeyDeletion", ScheduleKeyDeletionRequest.class, this::scheduleKeyDeletion,
                ScheduleKeyDeletionRequest::keyId);
        add("CancelKeyDeletion", KeyIdRequest.class, this::cancelKeyDeletion, KeyIdRequest::keyId);

        add("CreateAlias", AliasRequest.class, this::createAlias, AliasRequest::keyId);
        add("UpdateAlias", AliasRequest.class, (c, r) -> done(aliases.update(c.account(),
                Fields.required(r.alias(), "Alias"), Fields.required(r.keyId(), "KeyId"))), AliasRequest::keyId);
        add("DeleteAlias", DeleteAliasRequest.class, (c, r) -> done(aliases.delete(c.account(),
                Fields.required(r.alias(), "Alias"))), DeleteAliasRequest::alias);
        add("ListAliases", ListAliasesRequest.class, this::listAliases, r -> null);
        add("ListAliasesByKeyId", ListAliasesByKeyIdRequest.class, this::listAliasesByKeyId,
                ListAliasesByKeyIdRequest::keyId);

        add("Encrypt", EncryptRequest.class, this::encrypt, EncryptRequest::keyId);
        add("Decrypt", DecryptRequest.class, this::decrypt, r -> null);
        add("ReEncrypt", ReEncryptRequest.class, this::reEncrypt, ReEncryptRequest::destinationKeyId);
        add("GenerateDataKey", GenerateDataKeyRequest.class, (c, r) -> generateDataKey(c, r, true),
                GenerateDataKeyRequest::keyId);
        add("GenerateDataKeyWithoutPlaintext", GenerateDataKeyRequest.class, (c, r) -> generateDataKey(c, r, false),
                GenerateDataKeyRequest::keyId);
        add("GenerateRandom", GenerateRandomRequest.class, this::generateRandom, r -> null);
        add("ListAlgorithms", NoRequest.class, (c, r) -> Mono.just(listAlgorithms()), r -> null);
        add("GetServiceStatus", NoRequest.class, (c, r) -> Mono.just(
                new ServiceStatusResponse(true, 0, 0, false, false, view.keysOf(c.account()).size())), r -> null);

        add("CreateAccount", CreateAccountRequest.class, this::createAccount, r -> null);
        add("CreateCredential", CreateCredentialRequest.class, this::createCredential, r -> null);
    }

    /** The action of this name, or null. */
    public Action<?> find(String name) {
        return name == null ? null : actions.get(name);
    }

    private <R> void add(String name, Class<R> type, BiFunction<Caller, R, Mono<?>> handler, Function<R, String> keyOf) {
        actions.put(name, new Action<>(name, type, handler, keyOf));
    }

    // ---- key lifecycle -----------------------------------------------------------------------

    private Mono<?> createKey(Caller caller, CreateKeyRequest r) {
        if (r.tags() != null && !r.tags().isEmpty()) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_OPERATION, "tags are not supported");
        }
        KeyUsage usage = keyUsage(r.keyUsage());
        KeySpec spec = keySpec(r.keySpec());
        long type = r.type() == null ? TYPE_KMS : r.type();
        if (type != TYPE_KMS && type != TYPE_EXTERNAL) {
            throw new ProtocolException(ErrorCode.INVALID_TYPE, "Type must be 1 (KMS material) or 2 (EXTERNAL)");
        }
        Origin origin = type == TYPE_EXTERNAL ? Origin.EXTERNAL : Origin.TENCENT_KMS;
        AliasName alias = r.alias() == null || r.alias().isEmpty() ? null : AliasService.aliasName(r.alias());
        CompletableFuture<KeyRecord> created = keys.createKey(caller.account(),
                new KeyLifecycleService.NewKey(r.description(), usage, spec, origin, alias));
        return Mono.fromFuture(created).map(key -> new CreateKeyResponse(key.keyId().value(),
                alias == null ? "" : alias.value(), key.createdAt().getEpochSecond(), key.description(),
                key.state().name(), key.keyUsage().name(), 0, "", key.keySpec().name()));
    }

    private Mono<?> describeKey(Caller caller, KeyIdRequest r) {
        KeyRecord key = keys.find(caller.account(), Fields.required(r.keyId(), "KeyId"));
        return Mono.just(new KeyMetadataResponse(metadata(caller.account(), key)));
    }

    private Mono<?> describeKeys(Caller caller, KeyIdsRequest r) {
        List<KeyRecord> found = keys.findAll(caller.account(), Fields.required(r.keyIds(), "KeyIds"));
        return Mono.just(new KeyMetadatasResponse(found.stream().map(k -> metadata(caller.account(), k)).toList()));
    }

    private Mono<?> listKeys(Caller caller, ListKeysRequest r) {
        List<KeyRecord> all = userKeys(caller, r.role());
        List<KeyIdOnly> page = page(all, r.offset(), r.limit()).stream().map(k -> new KeyIdOnly(k.keyId().value())).toList();
        return Mono.just(new ListKeysResponse(page, all.size()));
    }

    private Mono<?> listKeyDetail(Caller caller, ListKeyDetailRequest r) {
        int orderType = Fields.inRange(r.orderType(), 0, 0, 1, "OrderType");
        KeyState state = keyStateFilter(r.keyState());
        if (r.tagFilters() != null && !r.tagFilters().isEmpty()) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_OPERATION, "tags are not supported");
        }
        String origin = r.origin() == null || r.origin().isEmpty() ? "ALL" : r.origin();
        if (!List.of("ALL", "TENCENT_KMS", "EXTERNAL").contains(origin)) {
            throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE, "Origin must be TENCENT_KMS, EXTERNAL or ALL");
        }
        String usage = r.keyUsage() == null || r.keyUsage().isEmpty() ? KeyUsage.ENCRYPT_DECRYPT.name() : r.keyUsage();
        if (!usage.equals("ALL")) {
            keyUsage(usage);
        }
        String search = r.searchKeyAlias() == null ? "" : r.searchKeyAlias();
        AccountId account = caller.account();
        Stream<KeyRecord> matching = userKeys(caller, r.role()).stream()
                .filter(k -> state == null || k.state() == state)
                .filter(k -> origin.equals("ALL") || k.origin().name().equals(origin))
                .filter(k -> usage.equals("ALL") || k.keyUsage().name().equals(usage))
                .filter(k -> search.isEmpty() || view.aliasesOf(account, k.keyId()).stream()
                        .anyMatch(a -> a.alias().value().contains(search)));
        Comparator<KeyRecord> byCreation = Comparator.comparing(KeyRecord::createdAt).thenComparing(k -> k.keyId().value());
        List<KeyRecord> all = matching.sorted(orderType == 0 ? byCreation.reversed() : byCreation).toList();
        List<KeyMetadata> page = page(all, r.offset(), r.limit()).stream().map(k -> metadata(account, k)).toList();
        return Mono.just(new ListKeyDetailResponse(page, all.size()));
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

    /** One page of a listing: Offset (default 0) and Limit (default 10, at most 200) as Tencent has them. */
    private static <T> List<T> page(List<T> all, Long offsetField, Long limitField) {
        int offset = Fields.inRange(offsetField, 0, 0, Integer.MAX_VALUE, "Offset");
        int limit = Fields.inRange(limitField, DEFAULT_LIMIT, 0, MAX_LIMIT, "Limit");
        return all.stream().skip(offset).limit(limit).toList();
    }

    /** Role 0 (the default) lists keys the user created; role 1, keys of cloud products: none here. */
    private List<KeyRecord> userKeys(Caller caller, Long role) {
        int r = Fields.inRange(role, 0, 0, 1, "Role");
        return r == 0 ? keys.list(caller.account()) : List.of();
    }

    private Mono<?> updateKeyDescription(Caller caller, UpdateKeyDescriptionRequest r) {
        if (r.description() == null) {
            throw new ProtocolException(ErrorCode.MISSING_PARAMETER, "the parameter Description is required");
        }
        return done(keys.updateDescription(caller.account(), Fields.required(r.keyId(), "KeyId"), r.description()));
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
        return KeyMetadata.of(key, keyAliases.isEmpty() ? null : keyAliases.get(0));
    }

    // ---- aliases -----------------------------------------------------------------------------

    private Mono<?> createAlias(Caller caller, AliasRequest r) {
        return Mono.fromFuture(aliases.create(caller.account(), Fields.required(r.alias(), "Alias"),
                Fields.required(r.keyId(), "KeyId"))).map(TencentActions::alias);
    }

    private Mono<?> listAliases(Caller caller, ListAliasesRequest r) {
        return Mono.just(aliasPage(aliases.list(caller.account()), r.offset(), r.limit()));
    }

    private Mono<?> listAliasesByKeyId(Caller caller, ListAliasesByKeyIdRequest r) {
        return Mono.just(aliasPage(aliases.listOfKey(caller.account(), Fields.required(r.keyId(), "KeyId")),
                r.offset(), r.limit()));
    }

    private static ListAliasesResponse aliasPage(List<AliasRecord> all, Long offset, Long limit) {
        return new ListAliasesResponse(page(all, offset, limit).stream().map(TencentActions::alias).toList(), all.size());
    }

    private static AliasResponse alias(AliasRecord a) {
        return new AliasResponse(a.alias().value(), a.keyId().value(), a.createdAt().getEpochSecond());
    }

    // ---- cryptography ------------------------------------------------------------------------

    private Mono<?> encrypt(Caller caller, EncryptRequest r) {
        byte[] plaintext = Fields.base64(r.plaintext(), "Plaintext", ErrorCode.INVALID_PLAINTEXT);
        try {
            CryptoService.Sealed sealed = crypto.encrypt(caller.account(), Fields.required(r.keyId(), "KeyId"),
                    plaintext, r.encryptionContext());
            return Mono.just(new EncryptResponse(Fields.base64(sealed.ciphertextBlob()), sealed.key().keyId().value(),
                    sealed.version().id().value()));
        } finally {
            java.util.Arrays.fill(plaintext, (byte) 0);
        }
    }

    private Mono<?> decrypt(Caller caller, DecryptRequest r) {
        requireNoPublicKeyEncryption(r.encryptionPublicKey());
        byte[] blob = Fields.base64(r.ciphertextBlob(), "CiphertextBlob", ErrorCode.INVALID_CIPHERTEXT);
        try (CryptoService.Opened opened = crypto.decrypt(caller.account(), blob, r.encryptionContext())) {
            return Mono.just(new DecryptResponse(opened.key().keyId().value(),
                    Fields.base64(opened.plaintext().insecureBytes()), opened.version().id().value()));
        }
    }

    private Mono<?> reEncrypt(Caller caller, ReEncryptRequest r) {
        byte[] blob = Fields.base64(r.ciphertextBlob(), "CiphertextBlob", ErrorCode.INVALID_CIPHERTEXT);
        CryptoService.Sealed sealed = crypto.reEncrypt(caller.account(), blob, r.destinationKeyId(),
                r.sourceEncryptionContext(), r.destinationEncryptionContext());
        String sourceKeyId = org.opencmk.kms.crypto.CiphertextBlob.parse(blob).keyId().value(); // valid: it decrypted
        return Mono.just(new ReEncryptResponse(Fields.base64(sealed.ciphertextBlob()), sealed.key().keyId().value(),
                sourceKeyId, true, sealed.version().id().value()));
    }

    /** KeySpec AES_128 or AES_256, or NumberOfBytes 1–1024; KeySpec wins when both are given. */
    private Mono<?> generateDataKey(Caller caller, GenerateDataKeyRequest r, boolean withPlaintext) {
        requireNoPublicKeyEncryption(r.encryptionPublicKey());
        int length;
        if (r.keySpec() != null && !r.keySpec().isEmpty()) {
            length = switch (r.keySpec()) {
                case "AES_128" -> 16;
                case "AES_256" -> 32;
                default -> throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE, "KeySpec must be AES_128 or AES_256");
            };
        } else if (r.numberOfBytes() != null) {
            length = Fields.inRange(r.numberOfBytes(), 0, CryptoService.MIN_RANDOM_BYTES, CryptoService.MAX_RANDOM_BYTES,
                    "NumberOfBytes");
        } else {
            throw new ProtocolException(ErrorCode.MISSING_PARAMETER, "KeySpec or NumberOfBytes is required");
        }
        CryptoService.DataKey dataKey = crypto.generateDataKey(caller.account(), Fields.required(r.keyId(), "KeyId"),
                length, r.encryptionContext(), withPlaintext);
        String plaintext = null;
        if (dataKey.plaintext() != null) {
            try (var secret = dataKey.plaintext()) {
                plaintext = Fields.base64(secret.insecureBytes());
            }
        }
        CryptoService.Sealed sealed = dataKey.sealed();
        return Mono.just(new GenerateDataKeyResponse(sealed.key().keyId().value(), plaintext,
                Fields.base64(sealed.ciphertextBlob()), sealed.version().id().value()));
    }

    private Mono<?> generateRandom(Caller caller, GenerateRandomRequest r) {
        int length = Fields.inRange(Fields.required(r.numberOfBytes(), "NumberOfBytes"), 0,
                CryptoService.MIN_RANDOM_BYTES, CryptoService.MAX_RANDOM_BYTES, "NumberOfBytes");
        return Mono.just(new GenerateRandomResponse(Fields.base64(crypto.generateRandom(length))));
    }

    private static ListAlgorithmsResponse listAlgorithms() {
        return new ListAlgorithmsResponse(
                List.of(new AlgorithmInfo(KeyUsage.ENCRYPT_DECRYPT.name(), KeySpec.AES_256.name()),
                        new AlgorithmInfo(KeyUsage.ENCRYPT_DECRYPT.name(), KeySpec.SM4.name())),
                List.of(), List.of());
    }

    /** Returning a plaintext encrypted under a caller's public key comes with asymmetric keys. */
    private static void requireNoPublicKeyEncryption(String encryptionPublicKey) {
        if (encryptionPublicKey != null && !encryptionPublicKey.isEmpty()) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_OPERATION, "EncryptionPublicKey is not supported yet");
        }
    }

    // ---- accounts ----------------------------------------------------------------------------

    private Mono<?> createAccount(Caller caller, CreateAccountRequest r) {
        return Mono.fromCallable(() -> credential(accounts.createAccount(caller, Fields.required(r.name(), "Name"))));
    }

    private Mono<?> createCredential(Caller caller, CreateCredentialRequest r) {
        long id = Fields.required(r.accountId(), "AccountId");
        if (id <= 0) {
            throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE, "AccountId must be positive");
        }
        return Mono.fromCallable(() -> credential(accounts.createCredential(caller, new AccountId(id))));
    }

    private static CredentialResponse credential(IssuedCredential issued) {
        return new CredentialResponse(issued.account().value(), issued.secretId(), issued.secretKey());
    }

    // ---- parameter values --------------------------------------------------------------------

    private static KeyUsage keyUsage(String value) {
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
        if (value == null || value.isEmpty()) {
            return KeySpec.AES_256;
        }
        try {
            return KeySpec.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE, "KeySpec must be AES_256 or SM4");
        }
    }

    private static Mono<Empty> done(CompletableFuture<?> future) {
        return Mono.fromFuture(future).thenReturn(new Empty());
    }

    private static String joined(List<String> keyIds) {
        return keyIds == null ? null : String.join(",", keyIds);
    }
}
