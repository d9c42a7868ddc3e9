package org.opencmk.kms.server.rotation;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.opencmk.kms.command.lifecycle.CreateKeyVersion;
import org.opencmk.kms.command.rotation.DisableKeyRotation;
import org.opencmk.kms.command.rotation.EnableKeyRotation;
import org.opencmk.kms.command.rotation.RotateKey;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.query.keyview.KeyRecord;
import org.opencmk.kms.query.keyview.KeyVersion;
import org.opencmk.kms.query.keyview.Page;
import org.opencmk.kms.server.KmsProperties;
import org.opencmk.kms.server.lifecycle.KeyLifecycleService;
import org.springframework.stereotype.Service;

/**
 * Key versions: rotation on demand and on a schedule (symmetric keys), new key pairs by hand
 * (asymmetric keys); versions and schedule as the key view holds them.
 */
@Service
public class KeyRotations {

    /** EnableKeyRotation's RotateDays when none is given (CTyun guide 3.2.6). */
    public static final int DEFAULT_ROTATE_DAYS = 365;

    /** A new version: a symmetric key's new primary, or an asymmetric key's newest key pair. */
    public record Rotated(KeyId keyId, KeyVersionId versionId) {
    }

    private final KeyLifecycleService keys;
    private final CommandGateway commands;
    private final Clock clock;
    private final KmsProperties properties;

    public KeyRotations(KeyLifecycleService keys, CommandGateway commands, Clock clock, KmsProperties properties) {
        this.keys = keys;
        this.commands = commands;
        this.clock = clock;
        this.properties = properties;
    }

    /** A new primary version now; the schedule, if any, is unchanged. */
    public CompletableFuture<Rotated> rotate(AccountId account, String keyIdOrAlias) {
        KeyId keyId = keys.find(account, keyIdOrAlias).keyId();
        KeyVersionId versionId = KeyVersionId.random();
        return commands.send(new RotateKey(keyId, account, versionId, clock.instant()))
                .thenApply(done -> new Rotated(keyId, versionId));
    }

    /** Rotates every {@code rotateDays} days ({@code KMS_DAY_LENGTH} long each), the first time one period from now. */
    public CompletableFuture<KeyId> enable(AccountId account, String keyIdOrAlias, int rotateDays) {
        KeyId keyId = keys.find(account, keyIdOrAlias).keyId();
        Duration period = properties.dayLength().multipliedBy(Math.max(0, rotateDays));
        return commands.send(new EnableKeyRotation(keyId, account, rotateDays, period, clock.instant()))
                .thenApply(done -> keyId);
    }

    public CompletableFuture<KeyId> disable(AccountId account, String keyIdOrAlias) {
        KeyId keyId = keys.find(account, keyIdOrAlias).keyId();
        return commands.send(new DisableKeyRotation(keyId, account)).thenApply(done -> keyId);
    }

    /**
     * CreateKeyVersion: a new key pair, the newest version of an asymmetric key (CTyun guide 1.3);
     * counted against the account's limit of asymmetric versions.
     */
    public CompletableFuture<Rotated> createKeyVersion(AccountId account, String keyIdOrAlias) {
        KeyId keyId = keys.find(account, keyIdOrAlias).keyId();
        KeyVersionId versionId = KeyVersionId.random();
        return commands.send(new CreateKeyVersion(keyId, account, versionId, clock.instant()))
                .thenApply(done -> new Rotated(keyId, versionId));
    }

    /** The key, for its rotation status. */
    public KeyRecord status(AccountId account, String keyIdOrAlias) {
        return keys.find(account, keyIdOrAlias);
    }

    /** One page of the key's versions, newest first (CTyun 4.5). */
    public Page<KeyVersion> versions(AccountId account, String keyIdOrAlias, int offset, int limit) {
        return Page.of(keys.find(account, keyIdOrAlias).versionsNewestFirst(), offset, limit);
    }
}
