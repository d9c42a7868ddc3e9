package org.opencmk.kms.query.keyview;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.messaging.MetaData;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasCreated;
import org.opencmk.kms.events.AliasDeleted;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.AliasRenamed;
import org.opencmk.kms.events.AliasUpdated;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDeletionScheduled;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyEnabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyMaterialImported;
import org.opencmk.kms.events.KeyRotationEnabled;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.MaterialFingerprint;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.PublicKeyDer;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * A seeded random population of keys and aliases, as events, with the event store's history of
 * each aggregate: keys of every state, origin and usage (symmetric, asymmetric with a public key,
 * imported with an expiry, rotated, pending deletion, deleted), several per creation instant,
 * and aliases created, re-pointed, renamed and deleted, in two accounts.
 */
final class Population implements KeyView.EventHistory {

    static final AccountId OWNER = new AccountId(100_000_001L);
    static final AccountId OTHER = new AccountId(100_000_002L);
    static final Instant START = Instant.parse("2025-03-01T08:00:00Z");

    private final Random random;
    private final Map<String, List<DomainEventMessage<?>>> history = new HashMap<>();
    private final List<DomainEventMessage<?>> events = new ArrayList<>();
    private final Map<AccountId, Long> aliasSequences = new HashMap<>();
    private final Map<AccountId, List<KeyId>> keys = new HashMap<>();
    private final Map<KeyId, Long> keySequences = new HashMap<>();
    private int created;
    private int perInstant = 3;
    private Instant next = START;
    private int atNext;

    Population(long seed) {
        this.random = new Random(seed);
    }

    /**
     * From now on each key is created at an instant of its own, after every key so far: as a
     * key created later is on one node (a clock that does not go back).
     */
    void oneKeyPerInstant() {
        perInstant = 1;
        atNext = 1;
    }

    /** Every event so far, in the order they happened. */
    List<DomainEventMessage<?>> events() {
        return events;
    }

    List<KeyId> keysOf(AccountId account) {
        return keys.getOrDefault(account, List.of());
    }

    /** Adds {@code count} keys to the account, each with a random life; returns their ids. */
    List<KeyId> addKeys(AccountId account, int count) {
        List<KeyId> added = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            added.add(addKey(account));
        }
        return added;
    }

    KeyId addKey(AccountId account) {
        KeyId keyId = KeyId.of(new UUID(random.nextLong(), random.nextLong()));
        // three keys per instant at first: ties are broken by id
        if (atNext == perInstant) {
            next = next.plusSeconds(1);
            atNext = 0;
        }
        Instant at = next;
        atNext++;
        created++;
        int kind = random.nextInt(3);
        KeyUsage usage = kind == 1 ? KeyUsage.values()[1 + random.nextInt(KeyUsage.values().length - 1)]
                : KeyUsage.ENCRYPT_DECRYPT;
        KeySpec spec = kind == 1 ? usage.keyPairSpec() : KeySpec.AES_256;
        Origin origin = kind == 2 ? Origin.EXTERNAL : Origin.TENCENT_KMS;
        keyEvent(keyId, new KeyCreated(keyId, account, spec, usage, origin,
                random.nextBoolean() ? ProtectionLevel.SOFTWARE : ProtectionLevel.HSM, "key " + created,
                origin == Origin.EXTERNAL ? KeyState.PendingImport : KeyState.Enabled, at));
        if (origin == Origin.EXTERNAL) {
            if (random.nextBoolean()) {
                keyEvent(keyId, new KeyMaterialImported(keyId, KeyVersionId.random(), material(), new MaterialFingerprint(
                        bytes(32)), random.nextBoolean() ? null : at.plus(Duration.ofDays(30)), at.plusSeconds(5)));
            }
        } else {
            keyEvent(keyId, new KeyVersionCreated(keyId, KeyVersionId.random(), material(), true, at,
                    kind == 1 ? new PublicKeyDer(bytes(91)) : null));
            if (random.nextInt(4) == 0) {
                keyEvent(keyId, new KeyRotationEnabled(keyId, 30, Duration.ofDays(30), at.plus(Duration.ofDays(30))));
                keyEvent(keyId, new KeyVersionCreated(keyId, KeyVersionId.random(), material(), true, at.plusSeconds(60)));
            }
        }
        switch (random.nextInt(6)) {
            case 0 -> keyEvent(keyId, new KeyDisabled(keyId));
            case 1 -> keyEvent(keyId, new KeyDeletionScheduled(keyId, 7, at.plus(Duration.ofDays(7))));
            case 2 -> {
                keyEvent(keyId, new KeyDeletionScheduled(keyId, 7, at.plus(Duration.ofDays(7))));
                keyEvent(keyId, new KeyDeleted(keyId, at.plus(Duration.ofDays(7))));
            }
            default -> { }
        }
        keys.computeIfAbsent(account, a -> new ArrayList<>()).add(keyId);
        return keyId;
    }

    /** Creates aliases for some of the account's keys, then re-points, renames and deletes a few. */
    void addAliases(AccountId account, int count) {
        List<KeyId> targets = keysOf(account);
        List<AliasName> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            AliasName name = new AliasName("alias-" + account.value() + "-" + i);
            KeyId keyId = targets.get(random.nextInt(targets.size()));
            aliasEvent(account, new AliasCreated(account, name, keyId));
            names.add(name);
        }
        for (int i = 0; i < count / 4; i++) {
            AliasName name = names.get(i * 4);
            aliasEvent(account, new AliasUpdated(account, name, null, targets.get(random.nextInt(targets.size()))));
        }
        for (int i = 0; i < count / 5; i++) {
            AliasName name = names.get(i * 5 + 1);
            aliasEvent(account, new AliasRenamed(account, name, new AliasName(name.value() + "-renamed"), targets.get(0)));
        }
        for (int i = 0; i < count / 6; i++) {
            AliasName name = names.get(i * 6 + 2);
            aliasEvent(account, new AliasDeleted(account, name, targets.get(0), false));
        }
    }

    /** Moves an Enabled or Disabled key to the other of the two states, as EnableKey and DisableKey do. */
    void toggle(KeyId keyId, KeyState now) {
        keyEvent(keyId, now == KeyState.Enabled ? new KeyDisabled(keyId) : new KeyEnabled(keyId));
    }

    void scheduleDeletion(KeyId keyId) {
        keyEvent(keyId, new KeyDeletionScheduled(keyId, 7, START.plus(Duration.ofDays(7))));
    }

    void delete(KeyId keyId) {
        keyEvent(keyId, new KeyDeleted(keyId, START.plus(Duration.ofDays(7))));
    }

    DomainEventMessage<?> last() {
        return events.get(events.size() - 1);
    }

    private void keyEvent(KeyId keyId, Object payload) {
        long sequence = keySequences.merge(keyId, 1L, Long::sum) - 1;
        record(new GenericDomainEventMessage<>("Cmk", keyId.value(), sequence, payload, MetaData.emptyInstance(),
                UUID.randomUUID().toString(), START));
    }

    private void aliasEvent(AccountId account, Object payload) {
        long sequence = aliasSequences.merge(account, 1L, Long::sum) - 1;
        record(new GenericDomainEventMessage<>("AliasRegistry", "aliases-" + account.value(), sequence, payload,
                MetaData.emptyInstance(), UUID.randomUUID().toString(), START.plusMillis(events.size())));
    }

    private void record(DomainEventMessage<?> message) {
        events.add(message);
        history.computeIfAbsent(message.getAggregateIdentifier(), id -> new ArrayList<>()).add(message);
    }

    private WrappedKeyMaterial material() {
        return new WrappedKeyMaterial(bytes(60));
    }

    private byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    @Override
    public synchronized Stream<? extends DomainEventMessage<?>> read(String aggregateIdentifier, long fromSequenceNumber) {
        return List.copyOf(history.getOrDefault(aggregateIdentifier, List.of())).stream()
                .filter(message -> message.getSequenceNumber() >= fromSequenceNumber);
    }
}
