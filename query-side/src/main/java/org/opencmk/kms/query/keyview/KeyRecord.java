package org.opencmk.kms.query.keyview;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;

/**
 * What the key view knows of one CMK: an immutable snapshot, replaced whole on every event, so
 * readers never see half an update and need no lock.
 *
 * @param sequence the sequence number of the last event of this key applied
 * @param deletionDate when the pending window ends, or null
 * @param versions oldest first
 * @param primaryVersion the version Encrypt uses, or null while the key has no material (and
 *     always for an asymmetric key, which has none: see {@link #newest()})
 * @param validTo when an EXTERNAL key's imported material expires, or null (never, or no material)
 * @param rotation its rotation schedule and last rotation
 */
public record KeyRecord(
        KeyId keyId,
        AccountId account,
        KeySpec keySpec,
        KeyUsage keyUsage,
        Origin origin,
        ProtectionLevel protectionLevel,
        String description,
        KeyState state,
        Instant createdAt,
        Instant deletionDate,
        List<KeyVersion> versions,
        KeyVersionId primaryVersion,
        Instant validTo,
        Rotation rotation,
        boolean deleted,
        long sequence) {

    public KeyRecord {
        versions = List.copyOf(versions);
    }

    public Optional<KeyVersion> version(KeyVersionId versionId) {
        for (KeyVersion version : versions) {
            if (version.id().equals(versionId)) {
                return Optional.of(version);
            }
        }
        return Optional.empty();
    }

    public Optional<KeyVersion> primary() {
        return primaryVersion == null ? Optional.empty() : version(primaryVersion);
    }

    /** The newest version: what an asymmetric call that names none uses (CTyun guide 3.2.6). */
    public Optional<KeyVersion> newest() {
        return versions.isEmpty() ? Optional.empty() : Optional.of(versions.get(versions.size() - 1));
    }

    KeyRecord withState(KeyState newState, Instant newDeletionDate, long newSequence) {
        return new KeyRecord(keyId, account, keySpec, keyUsage, origin, protectionLevel, description, newState,
                createdAt, newDeletionDate, versions, primaryVersion, validTo, rotation, deleted, newSequence);
    }

    KeyRecord withDescription(String newDescription, long newSequence) {
        return new KeyRecord(keyId, account, keySpec, keyUsage, origin, protectionLevel, newDescription, state,
                createdAt, deletionDate, versions, primaryVersion, validTo, rotation, deleted, newSequence);
    }

    KeyRecord withVersion(KeyVersion version, boolean primary, long newSequence) {
        List<KeyVersion> more = new java.util.ArrayList<>(versions);
        more.add(version);
        Rotation rotation = primary && !versions.isEmpty()
                ? new Rotation(this.rotation.enabled(), this.rotation.rotateDays(), this.rotation.nextRotateTime(),
                        version.createdAt())
                : this.rotation;
        return new KeyRecord(keyId, account, keySpec, keyUsage, origin, protectionLevel, description, state,
                createdAt, deletionDate, more, primary ? version.id() : primaryVersion, validTo, rotation, deleted, newSequence);
    }

    /**
     * Imported material (again) in the EXTERNAL key's one version: the version is added the first
     * time, its wrapped material replaced after (a new wrap of the identical material); a key
     * pending import is enabled.
     */
    KeyRecord withImportedMaterial(KeyVersion version, Instant newValidTo, long newSequence) {
        List<KeyVersion> updated = new java.util.ArrayList<>(versions);
        updated.removeIf(v -> v.id().equals(version.id()));
        updated.add(version);
        KeyState newState = state == KeyState.PendingImport ? KeyState.Enabled : state;
        return new KeyRecord(keyId, account, keySpec, keyUsage, origin, protectionLevel, description, newState,
                createdAt, deletionDate, updated, version.id(), newValidTo, rotation, deleted, newSequence);
    }

    /** The imported material is gone: the key waits for it again (or stays pending deletion). */
    KeyRecord withoutImportedMaterial(long newSequence) {
        KeyState newState = state == KeyState.PendingDelete ? state : KeyState.PendingImport;
        return new KeyRecord(keyId, account, keySpec, keyUsage, origin, protectionLevel, description, newState,
                createdAt, deletionDate, versions, primaryVersion, null, rotation, deleted, newSequence);
    }

    KeyRecord withRotation(Rotation newRotation, long newSequence) {
        return new KeyRecord(keyId, account, keySpec, keyUsage, origin, protectionLevel, description, state,
                createdAt, deletionDate, versions, primaryVersion, validTo, newRotation, deleted, newSequence);
    }

    /** The versions, newest first. */
    public List<KeyVersion> versionsNewestFirst() {
        List<KeyVersion> newest = new java.util.ArrayList<>(versions);
        java.util.Collections.reverse(newest);
        return newest;
    }

    KeyRecord asDeleted(long newSequence) {
        return new KeyRecord(keyId, account, keySpec, keyUsage, origin, protectionLevel, description, state,
                createdAt, deletionDate, List.of(), null, null, rotation, true, newSequence);
    }

    /** The same record with an equal account id: one instance shared by an account's records. */
    KeyRecord withAccount(AccountId sameAccount) {
        if (!sameAccount.equals(account)) {
            throw new IllegalArgumentException("another account");
        }
        return new KeyRecord(keyId, sameAccount, keySpec, keyUsage, origin, protectionLevel, description, state,
                createdAt, deletionDate, versions, primaryVersion, validTo, rotation, deleted, sequence);
    }

    KeyRecord withSequence(long newSequence) {
        return new KeyRecord(keyId, account, keySpec, keyUsage, origin, protectionLevel, description, state,
                createdAt, deletionDate, versions, primaryVersion, validTo, rotation, deleted, newSequence);
    }
}
