package org.opencmk.kms.command.lifecycle;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;
import static org.axonframework.modelling.command.AggregateLifecycle.markDeleted;

import java.time.Duration;
import java.time.Instant;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.Repository;
import org.axonframework.spring.stereotype.Aggregate;
import org.opencmk.kms.command.material.DeleteImportedKeyMaterial;
import org.opencmk.kms.command.material.ExpireImportedKeyMaterial;
import org.opencmk.kms.command.material.ImportKeyMaterial;
import org.opencmk.kms.command.rotation.DisableKeyRotation;
import org.opencmk.kms.command.rotation.EnableKeyRotation;
import org.opencmk.kms.command.rotation.RotateKeyOnSchedule;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyRotationDisabled;
import org.opencmk.kms.events.KeyRotationEnabled;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.NextKeyRotationScheduled;
import org.opencmk.kms.events.ImportedKeyMaterialDeleted;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionCancelled;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyDescriptionUpdated;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyEnabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyMaterialImported;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.events.MaterialFingerprint;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.PublicKeyDer;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * A customer master key. It decides every lifecycle rule; it holds only the state those
 * decisions need. Cryptographic operations never load it (they read the key view).
 */
@Aggregate
public class Cmk {

    /** Bounds of the rotation period, in days (CTyun guide 3.2.6: 7–730; Tencent allows 7–365). */
    public static final int MIN_ROTATE_DAYS = 7;
    public static final int MAX_ROTATE_DAYS = 730;

    /** Bounds of the pending window, in days (CTyun guide 3.2.7; Tencent ScheduleKeyDeletion). */
    public static final int MIN_PENDING_WINDOW_DAYS = 7;
    public static final int MAX_PENDING_WINDOW_DAYS = 30;

    @AggregateIdentifier
    private KeyId keyId;
    private AccountId account;
    private KeyState state;
    private KeyState stateBeforeDeletion;
    private Instant deletionDate;
    private Origin origin;
    private KeySpec keySpec;
    private KeyUsage keyUsage;
    /** Scheduled rotation: on, every period, next at nextRotateTime (null when off). */
    private boolean rotationEnabled;
    private Duration rotationPeriod;
    private Instant nextRotateTime;
    /** EXTERNAL keys: the one version, the material it is bound to, whether that material is here, until when. */
    private KeyVersionId importedVersion;
    private MaterialFingerprint importedFingerprint;
    private boolean importedMaterialPresent;
    private Instant importedValidTo;

    protected Cmk() {
        // for Axon
    }

    /**
     * A new key's first version: its id, its wrapped material (an asymmetric key's private key) and,
     * for an asymmetric key, its public key (null for a symmetric one).
     */
    record FirstVersion(KeyVersionId versionId, WrappedKeyMaterial material, PublicKeyDer publicKey) {
    }

    /**
     * @param firstVersion the first version, or null for an {@link Origin#EXTERNAL} key, which
     *     waits for its material (seed 000, step 1)
     */
    Cmk(CreateKey command, FirstVersion firstVersion) {
        KeyState initialState = command.origin() == Origin.EXTERNAL ? KeyState.PendingImport : KeyState.Enabled;
        apply(new KeyCreated(command.keyId(), command.account(), command.keySpec(), command.keyUsage(),
                command.origin(), command.protectionLevel(), command.description(), initialState,
                command.requestedAt()));
        if (firstVersion != null) {
            // A symmetric key's first version is its primary; an asymmetric key has none.
            apply(new KeyVersionCreated(command.keyId(), firstVersion.versionId(), firstVersion.material(),
                    firstVersion.publicKey() == null, command.requestedAt(), firstVersion.publicKey()));
        }
    }

    @CommandHandler
    void handle(UpdateKeyDescription command) {
        requireOwner(command.account());
        apply(new KeyDescriptionUpdated(keyId, command.description()));
    }

    @CommandHandler
    void handle(EnableKey command) {
        requireOwner(command.account());
        switch (state) {
            case Enabled -> { }
            case Disabled -> apply(new KeyEnabled(keyId));
            default -> throw stateNotSupported("enabled");
        }
    }

    @CommandHandler
    void handle(DisableKey command) {
        requireOwner(command.account());
        switch (state) {
            case Disabled -> { }
            case Enabled -> apply(new KeyDisabled(keyId));
            default -> throw stateNotSupported("disabled");
        }
    }

    /** CTyun guide 3.2.7: any live key may be scheduled; the window is 7–30 days. */
    @CommandHandler
    void handle(ScheduleKeyDeletion command) {
        requireOwner(command.account());
        int days = command.pendingWindowInDays();
        if (days < MIN_PENDING_WINDOW_DAYS || days > MAX_PENDING_WINDOW_DAYS) {
            throw new KmsException(KmsError.INVALID_PENDING_WINDOW,
                    "PendingWindowInDays must be between " + MIN_PENDING_WINDOW_DAYS + " and "
                            + MAX_PENDING_WINDOW_DAYS + ", got " + days);
        }
        if (state == KeyState.PendingDelete) {
            throw new KmsException(KmsError.KEY_STATE_NOT_SUPPORTED, "the key is already pending deletion");
        }
        apply(new KeyDeletionScheduled(keyId, days, command.deletionDate()));
    }

    @CommandHandler
    void handle(CancelKeyDeletion command) {
        requireOwner(command.account());
        if (state != KeyState.PendingDelete) {
            throw new KmsException(KmsError.KEY_NOT_PENDING_DELETE, "the key is not pending deletion");
        }
        apply(new KeyDeletionCancelled(keyId, stateBeforeDeletion));
    }

    /**
     * Seed 000, step 4: the first import binds the CMK to its material for good; later imports
     * must bring the identical material (to restore it after deletion or expiry, or to set a new
     * ValidTo). A key pending deletion takes no material.
     */
    @CommandHandler
    void handle(ImportKeyMaterial command) {
        requireOwner(command.account());
        requireExternal();
        if (state == KeyState.PendingDelete) {
            throw new KmsException(KmsError.KEY_PENDING_DELETE, "a key pending deletion takes no key material");
        }
        if (importedFingerprint != null && !importedFingerprint.matches(command.fingerprint())) {
            throw new KmsException(KmsError.KEY_MATERIAL_NOT_MATCH,
                    "the key is bound to the material first imported into it; only that material can be imported again");
        }
        if (importedVersion != null && !importedVersion.equals(command.versionId())) {
            throw new IllegalArgumentException("an EXTERNAL key has one version, " + importedVersion);
        }
        if (command.validTo() != null && !command.validTo().isAfter(command.requestedAt())) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE, "ValidTo must be in the future, or 0 for never");
        }
        apply(new KeyMaterialImported(keyId, command.versionId(), command.material(), command.fingerprint(),
                command.validTo(), command.requestedAt()));
    }

    /** Tencent DeleteImportedKeyMaterial: the key waits for its material again; nothing else changes. */
    @CommandHandler
    void handle(DeleteImportedKeyMaterial command) {
        requireOwner(command.account());
        requireExternal();
        if (state == KeyState.PendingDelete) {
            throw new KmsException(KmsError.KEY_PENDING_DELETE, "the key is pending deletion");
        }
        if (!importedMaterialPresent) {
            throw new KmsException(KmsError.KEY_PENDING_IMPORT, "the key has no imported material to delete");
        }
        apply(new ImportedKeyMaterialDeleted(keyId, false, command.requestedAt()));
    }

    /**
     * Removes the material if it is still the import the deadline was set for and its ValidTo
     * has come; a deadline that raced with a re-import or a deletion changes nothing.
     */
    @CommandHandler
    void handle(ExpireImportedKeyMaterial command) {
        if (!importedMaterialPresent || importedValidTo == null || !importedValidTo.equals(command.validTo())
                || command.requestedAt().isBefore(importedValidTo)) {
            return;
        }
        apply(new ImportedKeyMaterialDeleted(keyId, true, command.requestedAt()));
    }

    private void requireExternal() {
        if (origin != Origin.EXTERNAL) {
            throw new KmsException(KmsError.NOT_EXTERNAL_KEY,
                    "the key's material was made by the KMS; only EXTERNAL keys take imported material");
        }
    }

    /** CTyun guide 3.2.6: a symmetric key the KMS made rotates every 7–730 days; enabling again replaces the schedule. */
    @CommandHandler
    void handle(EnableKeyRotation command) {
        requireOwner(command.account());
        requireRotatableKind();
        if (state != KeyState.Enabled && state != KeyState.Disabled) {
            throw stateNotSupported("given a rotation schedule");
        }
        int days = command.rotateDays();
        if (days < MIN_ROTATE_DAYS || days > MAX_ROTATE_DAYS) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE,
                    "RotateDays must be between " + MIN_ROTATE_DAYS + " and " + MAX_ROTATE_DAYS + ", got " + days);
        }
        apply(new KeyRotationEnabled(keyId, days, command.period(), command.requestedAt().plus(command.period())));
    }

    @CommandHandler
    void handle(DisableKeyRotation command) {
        requireOwner(command.account());
        if (rotationEnabled) {
            apply(new KeyRotationDisabled(keyId));
        }
    }

    /** What a new version of this key needs; refuses a caller or a key that cannot rotate now. */
    record RotationTarget(AccountId account, KeySpec keySpec) {
    }

    /** RotateKey (on demand): the owner's Enabled, symmetric, KMS-made key. */
    RotationTarget requireRotatable(AccountId caller) {
        requireOwner(caller);
        requireRotatableKind();
        if (state != KeyState.Enabled) {
            throw stateNotSupported("rotated");
        }
        return new RotationTarget(account, keySpec);
    }

    /** Whether the scheduled rotation this deadline names is still the one due, and has come. */
    boolean scheduledRotationDue(RotateKeyOnSchedule command) {
        return rotationEnabled && command.dueAt().equals(nextRotateTime)
                && !command.requestedAt().isBefore(nextRotateTime);
    }

    /** A scheduled turn makes a new version only for an Enabled key; any other skips this period. */
    boolean rotatesOnSchedule() {
        return state == KeyState.Enabled;
    }

    RotationTarget rotationTarget() {
        return new RotationTarget(account, keySpec);
    }

    /** A new primary version: Encrypt and GenerateDataKey use it from now on; older ones keep decrypting. */
    void rotate(KeyVersionId versionId, WrappedKeyMaterial material, Instant at) {
        apply(new KeyVersionCreated(keyId, versionId, material, true, at));
    }

    /**
     * Schedules the turn after the one due at {@code dueAt}: one period later, or one period from
     * now when the server was down for longer than a period (missed turns are not made up).
     */
    void advanceRotationSchedule(boolean rotated, Instant dueAt, Instant now) {
        Instant next = dueAt.plus(rotationPeriod);
        if (!next.isAfter(now)) {
            next = now.plus(rotationPeriod);
        }
        apply(new NextKeyRotationScheduled(keyId, rotated, next));
    }

    /** What a new key pair of this key needs: its account and spec. */
    record KeyPairTarget(AccountId account, KeySpec keySpec) {
    }

    /**
     * CreateKeyVersion (CTyun guide 1.3): the owner's asymmetric key, Enabled or Disabled. A
     * symmetric key's versions come from rotation instead.
     */
    KeyPairTarget requireVersionable(AccountId caller) {
        requireOwner(caller);
        if (keyUsage.isSymmetric()) {
            throw new KmsException(KmsError.KEY_USAGE_NOT_SUPPORTED,
                    "a symmetric key's versions are made by rotation (RotateKey, EnableKeyRotation)");
        }
        if (state != KeyState.Enabled && state != KeyState.Disabled) {
            throw stateNotSupported("given a new version");
        }
        return new KeyPairTarget(account, keySpec);
    }

    /** A new key pair, the newest version of this asymmetric key; the older ones stay usable. */
    void addKeyPair(KeyVersionId versionId, WrappedKeyMaterial privateKey, PublicKeyDer publicKey, Instant at) {
        apply(new KeyVersionCreated(keyId, versionId, privateKey, false, at, publicKey));
    }

    private void requireRotatableKind() {
        if (origin == Origin.EXTERNAL) {
            throw new KmsException(KmsError.EXTERNAL_KEY_CANNOT_ROTATE,
                    "an EXTERNAL key is bound to its imported material for life and cannot rotate; create a new key");
        }
        if (!keyUsage.isSymmetric()) {
            throw new KmsException(KmsError.KEY_USAGE_NOT_SUPPORTED,
                    "asymmetric keys do not rotate; their versions are made by hand (CreateKeyVersion)");
        }
    }

    /**
     * Deletes the key for good if it is still pending deletion for the date the deadline was set
     * for, and that date has come. A deadline that fires after a cancellation it raced with, even
     * one followed by a new schedule, changes nothing.
     *
     * @return whether the key was deleted now
     */
    boolean delete(DeleteKey command) {
        if (state != KeyState.PendingDelete || !command.deletionDate().equals(deletionDate)
                || command.requestedAt().isBefore(deletionDate)) {
            return false;
        }
        apply(new KeyDeleted(keyId, command.requestedAt()));
        return true;
    }

    /**
     * Loads the key for a handler that works on more than this aggregate, refusing anyone but
     * its owner as if the key did not exist. A key that never existed or was deleted fails in the
     * repository; {@link KeyNotFoundTranslation} answers that for every command alike.
     */
    public static void requireOwned(Repository<Cmk> keys, KeyId keyId, AccountId caller) {
        keys.load(keyId.toString()).execute(cmk -> cmk.requireOwner(caller));
    }

    /** Refuses, as if the key did not exist, anyone but its owner. */
    void requireOwner(AccountId caller) {
        if (!account.equals(caller)) {
            throw notFound(keyId);
        }
    }

    AccountId account() {
        return account;
    }

    static KmsException notFound(KeyId keyId) {
        return KmsException.keyNotFound(keyId);
    }

    private KmsException stateNotSupported(String target) {
        return new KmsException(KmsError.KEY_STATE_NOT_SUPPORTED,
                "a key in state " + state + " cannot be " + target);
    }

    @EventSourcingHandler
    void on(KeyCreated event) {
        keyId = event.keyId();
        account = event.account();
        state = event.initialState();
        origin = event.origin();
        keySpec = event.keySpec();
        keyUsage = event.keyUsage();
    }

    @EventSourcingHandler
    void on(KeyRotationEnabled event) {
        rotationEnabled = true;
        rotationPeriod = event.period();
        nextRotateTime = event.nextRotateTime();
    }

    @EventSourcingHandler
    void on(KeyRotationDisabled event) {
        rotationEnabled = false;
        nextRotateTime = null;
    }

    @EventSourcingHandler
    void on(NextKeyRotationScheduled event) {
        nextRotateTime = event.nextRotateTime();
    }

    @EventSourcingHandler
    void on(KeyMaterialImported event) {
        importedVersion = event.versionId();
        if (importedFingerprint == null) {
            importedFingerprint = event.fingerprint();
        }
        importedMaterialPresent = true;
        importedValidTo = event.validTo();
        if (state == KeyState.PendingImport) {
            state = KeyState.Enabled;
        }
    }

    @EventSourcingHandler
    void on(ImportedKeyMaterialDeleted event) {
        importedMaterialPresent = false;
        importedValidTo = null;
        if (state == KeyState.PendingDelete) {
            stateBeforeDeletion = KeyState.PendingImport;
        } else {
            state = KeyState.PendingImport;
        }
    }

    @EventSourcingHandler
    void on(KeyEnabled event) {
        state = KeyState.Enabled;
    }

    @EventSourcingHandler
    void on(KeyDisabled event) {
        state = KeyState.Disabled;
    }

    @EventSourcingHandler
    void on(KeyDeletionScheduled event) {
        stateBeforeDeletion = state;
        state = KeyState.PendingDelete;
        deletionDate = event.deletionDate();
    }

    @EventSourcingHandler
    void on(KeyDeletionCancelled event) {
        state = event.restoredState();
        stateBeforeDeletion = null;
        deletionDate = null;
    }

    @EventSourcingHandler
    void on(KeyDeleted event) {
        markDeleted();
    }
}
