package org.opencmk.kms.server.lifecycle;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.opencmk.kms.command.lifecycle.CancelKeyDeletion;
import org.opencmk.kms.command.lifecycle.CreateKey;
import org.opencmk.kms.command.lifecycle.DisableKey;
import org.opencmk.kms.command.lifecycle.EnableKey;
import org.opencmk.kms.command.lifecycle.ScheduleKeyDeletion;
import org.opencmk.kms.command.lifecycle.UpdateKeyDescription;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.query.keyview.KeyFilter;
import org.opencmk.kms.query.keyview.KeyRecord;
import org.opencmk.kms.query.keyview.Page;
import org.opencmk.kms.query.keyview.KeyView;
import org.opencmk.kms.server.KmsProperties;
import org.springframework.stereotype.Service;

/**
 * CMK management. Writes go through the command bus and complete once the change is committed
 * and visible in this node's key view; reads come from the key view.
 */
@Service
public class KeyLifecycleService {

    /** Tencent CreateKey / UpdateKeyDescription: at most 1024 characters. */
    public static final int MAX_DESCRIPTION_LENGTH = 1024;
    /** Tencent EnableKeys / DisableKeys / DescribeKeys: at most 100 keys a call. */
    public static final int MAX_KEYS_PER_BATCH = 100;

    /** What CreateKey needs, already in the domain's types; {@code alias} may be null. */
    public record NewKey(String description, KeyUsage keyUsage, KeySpec keySpec, Origin origin, AliasName alias,
                         ProtectionLevel protectionLevel) {
    }

    private final CommandGateway commands;
    private final KeyView view;
    private final Clock clock;
    private final KmsProperties properties;

    public KeyLifecycleService(CommandGateway commands, KeyView view, Clock clock, KmsProperties properties) {
        this.commands = commands;
        this.view = view;
        this.clock = clock;
        this.properties = properties;
    }

    public CompletableFuture<KeyRecord> createKey(AccountId account, NewKey key) {
        requireDescription(key.description());
        KeyId keyId = KeyId.random();
        CreateKey command = new CreateKey(keyId, account, key.keySpec(), key.keyUsage(), key.origin(),
                key.protectionLevel(), key.description() == null ? "" : key.description(), key.alias(),
                clock.instant());
        return commands.send(command).thenApply(done -> find(account, keyId.value()));
    }

    /** The caller's key named by a key id or alias, or {@code KEY_NOT_FOUND}. */
    public KeyRecord find(AccountId account, String keyIdOrAlias) {
        return view.resolve(account, keyIdOrAlias).orElseThrow(() -> KmsException.keyNotFound(keyIdOrAlias));
    }

    /** The caller's keys among {@code keyIds}; names that match none are left out, as Tencent does. */
    public List<KeyRecord> findAll(AccountId account, List<String> keyIds) {
        requireBatch(keyIds);
        List<KeyRecord> found = new ArrayList<>();
        for (String keyId : keyIds) {
            view.resolve(account, keyId).ifPresent(found::add);
        }
        return found;
    }

    /** One page of the caller's live keys that match {@code filter}, in its order: O(page), see {@link KeyView#keys}. */
    public Page<KeyRecord> list(AccountId account, KeyFilter filter, int offset, int limit) {
        return view.keys(account, filter, offset, limit);
    }

    /** How many live keys the caller has. */
    public long count(AccountId account) {
        return view.keyCount(account);
    }

    /** Each change completes with the id of the key it changed, an alias resolved. */
    public CompletableFuture<KeyId> updateDescription(AccountId account, String keyIdOrAlias, String description) {
        requireDescription(description);
        KeyId keyId = find(account, keyIdOrAlias).keyId();
        return commands.send(new UpdateKeyDescription(keyId, account, description == null ? "" : description))
                .thenApply(done -> keyId);
    }

    public CompletableFuture<KeyId> enable(AccountId account, String keyIdOrAlias) {
        KeyId keyId = find(account, keyIdOrAlias).keyId();
        return commands.send(new EnableKey(keyId, account)).thenApply(done -> keyId);
    }

    public CompletableFuture<KeyId> disable(AccountId account, String keyIdOrAlias) {
        KeyId keyId = find(account, keyIdOrAlias).keyId();
        return commands.send(new DisableKey(keyId, account)).thenApply(done -> keyId);
    }

    /**
     * Enables every key named, after checking that every one of them exists: a batch with an
     * unknown key changes nothing.
     */
    public CompletableFuture<List<KeyId>> enableAll(AccountId account, List<String> keyIdsOrAliases) {
        return forAll(account, keyIdsOrAliases, keyId -> new EnableKey(keyId, account));
    }

    public CompletableFuture<List<KeyId>> disableAll(AccountId account, List<String> keyIdsOrAliases) {
        return forAll(account, keyIdsOrAliases, keyId -> new DisableKey(keyId, account));
    }

    /** A key scheduled for deletion, and when its pending window ends. */
    public record ScheduledDeletion(KeyId keyId, Instant deletionDate) {
    }

    public CompletableFuture<ScheduledDeletion> scheduleDeletion(AccountId account, String keyIdOrAlias,
                                                                 int pendingWindowInDays) {
        KeyId keyId = find(account, keyIdOrAlias).keyId();
        Instant deletionDate = clock.instant().plus(properties.dayLength().multipliedBy(Math.max(0, pendingWindowInDays)));
        return commands.send(new ScheduleKeyDeletion(keyId, account, pendingWindowInDays, deletionDate))
                .thenApply(done -> new ScheduledDeletion(keyId, deletionDate));
    }

    public CompletableFuture<KeyId> cancelDeletion(AccountId account, String keyIdOrAlias) {
        KeyId keyId = find(account, keyIdOrAlias).keyId();
        return commands.send(new CancelKeyDeletion(keyId, account)).thenApply(done -> keyId);
    }

    /**
     * Sends one command per key, after checking every key exists and can be enabled or disabled:
     * a batch that names an unknown key, or one pending deletion or import, changes nothing.
     */
    private CompletableFuture<List<KeyId>> forAll(AccountId account, List<String> keyIdsOrAliases,
                                           java.util.function.Function<KeyId, Object> command) {
        requireBatch(keyIdsOrAliases);
        List<KeyRecord> keys = keyIdsOrAliases.stream().map(name -> find(account, name)).toList();
        for (KeyRecord key : keys) {
            if (key.state() != KeyState.Enabled && key.state() != KeyState.Disabled) {
                throw new KmsException(KmsError.KEY_STATE_NOT_SUPPORTED,
                        "the key " + key.keyId() + " is " + key.state() + "; the batch changed nothing");
            }
        }
        List<KeyId> keyIds = keys.stream().map(KeyRecord::keyId).distinct().toList();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (KeyId keyId : keyIds) {
            chain = chain.thenCompose(done -> commands.send(command.apply(keyId)));
        }
        return chain.thenApply(done -> keyIds);
    }

    private static void requireBatch(List<String> keyIds) {
        if (keyIds == null || keyIds.isEmpty()) {
            throw new KmsException(KmsError.MISSING_PARAMETER, "KeyIds must name at least one key");
        }
        if (keyIds.size() > MAX_KEYS_PER_BATCH) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE, "KeyIds may name at most " + MAX_KEYS_PER_BATCH + " keys");
        }
    }

    private static void requireDescription(String description) {
        if (description != null && description.length() > MAX_DESCRIPTION_LENGTH) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE,
                    "Description may have at most " + MAX_DESCRIPTION_LENGTH + " characters");
        }
    }
}
