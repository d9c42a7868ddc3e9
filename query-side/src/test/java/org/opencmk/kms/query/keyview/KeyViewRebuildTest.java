package org.opencmk.kms.query.keyview;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.messaging.MetaData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasCreated;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.AliasRenamed;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyDeleted;
import org.opencmk.kms.events.KeyDescriptionUpdated;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * A rebuilt key view taking over from the live one: positions aligned from history, the
 * comparison, and the hooks, which run for nothing that is equal and for exactly what differs.
 */
class KeyViewRebuildTest {

    private static final AccountId OWNER = new AccountId(100_000_001L);
    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyId SECOND_KEY_ID = new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
    private static final KeyVersionId VERSION = new KeyVersionId("6a1e2f3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b");
    private static final WrappedKeyMaterial MATERIAL = new WrappedKeyMaterial(new byte[] {1, 2, 3, 4});
    private static final AliasName PAYROLL = new AliasName("payroll");
    private static final AliasName SALARIES = new AliasName("salaries");
    private static final Instant AT = Instant.parse("2025-03-01T08:00:00Z");

    private final Store store = new Store();
    private final List<String> hooks = new ArrayList<>();
    private KeyView live;

    @BeforeEach
    void setUp() {
        live = new KeyView(store, keyId -> hooks.add("created " + keyId), keyId -> hooks.add("evicted " + keyId),
                keyId -> hooks.add("deleted " + keyId));
    }

    @Test
    void aViewRebuiltFromTheSameHistoryIsEqualAndInstallingItRunsNoHook() {
        List<DomainEventMessage<?>> history = List.of(
                key(KEY_ID, 0, created(KEY_ID)),
                key(KEY_ID, 1, new KeyVersionCreated(KEY_ID, VERSION, MATERIAL, true, AT)),
                alias(0, new AliasCreated(OWNER, PAYROLL, KEY_ID)),
                alias(1, new AliasRenamed(OWNER, PAYROLL, SALARIES, KEY_ID)),
                key(SECOND_KEY_ID, 0, created(SECOND_KEY_ID)),
                key(SECOND_KEY_ID, 1, new KeyDeleted(SECOND_KEY_ID, AT)));
        history.forEach(store::commit);
        history.forEach(live::apply);
        hooks.clear();
        KeyRecord before = live.find(OWNER, KEY_ID).orElseThrow();

        KeyView rebuilt = live.detached();
        history.forEach(rebuilt::apply);
        ViewComparison comparison = live.takeOver(rebuilt, () -> { }, true);

        assertThat(comparison.equal()).isTrue();
        assertThat(comparison.differences()).isEmpty();
        assertThat(comparison.keys()).isEqualTo(1);
        assertThat(comparison.deletedKeys()).isEqualTo(1);
        assertThat(comparison.aliases()).isEqualTo(1);
        assertThat(hooks).as("neither the rebuild nor the installation runs a hook").isEmpty();
        assertThat(live.find(OWNER, KEY_ID)).contains(before);
        assertThat(live.resolve(OWNER, "salaries")).contains(before);
        assertThat(live.find(OWNER, SECOND_KEY_ID)).isEmpty();
        assertThat(rebuilt.keyRecords()).as("the rebuilt view gave its content away").isZero();
    }

    @Test
    void theTailCommittedDuringTheRebuildIsAppliedBeforeTheComparison() {
        commitAndApply(key(KEY_ID, 0, created(KEY_ID)));
        KeyView rebuilt = live.detached();
        store.history(KEY_ID.value()).forEach(rebuilt::apply);
        // committed and seen by the live view after the rebuild's last read
        commitAndApply(key(KEY_ID, 1, new KeyDescriptionUpdated(KEY_ID, "after the read")));

        ViewComparison comparison = live.takeOver(rebuilt,
                () -> store.history(KEY_ID.value()).stream().skip(1).forEach(rebuilt::apply), true);

        assertThat(comparison.equal()).isTrue();
        assertThat(live.find(OWNER, KEY_ID).orElseThrow().description()).isEqualTo("after the read");
    }

    @Test
    void aLiveViewThatLagsIsBroughtToTheRebuildsPositionThroughItsHooksFirst() {
        commitAndApply(key(KEY_ID, 0, created(KEY_ID)));
        // another node's events, in the store, not yet polled by the live view's tracking feed
        store.commit(key(KEY_ID, 1, new KeyDeleted(KEY_ID, AT)));
        store.commit(key(SECOND_KEY_ID, 0, created(SECOND_KEY_ID)));
        hooks.clear();
        KeyView rebuilt = live.detached();
        store.all().forEach(rebuilt::apply);

        ViewComparison comparison = live.takeOver(rebuilt, () -> { }, true);

        assertThat(comparison.equal()).isTrue();
        assertThat(hooks).as("the live view's own catch-up, as its feed would have done it")
                .containsExactlyInAnyOrder("deleted " + KEY_ID, "created " + SECOND_KEY_ID);
        assertThat(live.find(OWNER, KEY_ID)).isEmpty();
        assertThat(live.find(OWNER, SECOND_KEY_ID)).isPresent();
    }

    @Test
    void aRebuildThatLagsIsBroughtToTheLiveViewsPositionWithoutHooks() {
        commitAndApply(key(KEY_ID, 0, created(KEY_ID)));
        KeyView rebuilt = live.detached();
        store.all().forEach(rebuilt::apply);
        commitAndApply(alias(0, new AliasCreated(OWNER, PAYROLL, KEY_ID)));
        hooks.clear();

        ViewComparison comparison = live.takeOver(rebuilt, () -> { }, true);

        assertThat(comparison.equal()).isTrue();
        assertThat(hooks).isEmpty();
        assertThat(live.resolve(OWNER, "payroll")).isPresent();
    }

    @Test
    void aDriftedKeyIsReportedByItsComponentsAndRepairedWithItsCacheEvicted() {
        store.commit(key(KEY_ID, 0, created(KEY_ID)));
        store.commit(key(KEY_ID, 1, new KeyDescriptionUpdated(KEY_ID, "as stored")));
        live.apply(key(KEY_ID, 0, created(KEY_ID)));
        live.apply(key(KEY_ID, 1, new KeyDisabled(KEY_ID))); // what the live view wrongly holds
        hooks.clear();
        KeyView rebuilt = live.detached();
        store.all().forEach(rebuilt::apply);

        ViewComparison comparison = live.takeOver(rebuilt, () -> { }, true);

        assertThat(comparison.equal()).isFalse();
        assertThat(comparison.differenceCount()).isEqualTo(1);
        assertThat(comparison.differences()).containsExactly("key " + KEY_ID + ": description, state differ");
        KeyRecord repaired = live.find(OWNER, KEY_ID).orElseThrow();
        assertThat(repaired.state()).isEqualTo(KeyState.Enabled);
        assertThat(repaired.description()).isEqualTo("as stored");
        assertThat(hooks).containsExactly("evicted " + KEY_ID);
    }

    @Test
    void withoutInstallingOnlyTheComparisonIsMade() {
        store.commit(key(KEY_ID, 0, created(KEY_ID)));
        live.apply(key(KEY_ID, 0, created(KEY_ID)));
        live.apply(key(SECOND_KEY_ID, 0, created(SECOND_KEY_ID))); // never stored
        store.commit(alias(0, new AliasCreated(OWNER, PAYROLL, KEY_ID)));
        live.apply(alias(0, new AliasCreated(OWNER, PAYROLL, SECOND_KEY_ID)));
        hooks.clear();
        KeyView rebuilt = live.detached();
        store.all().forEach(rebuilt::apply);

        ViewComparison comparison = live.takeOver(rebuilt, () -> { }, false);

        assertThat(comparison.differences()).containsExactlyInAnyOrder(
                "key " + SECOND_KEY_ID + ": only in the live view",
                "account " + OWNER + ": its key index differs",
                "alias payroll of account " + OWNER + ": keyId differs");
        assertThat(hooks).isEmpty();
        assertThat(live.find(OWNER, SECOND_KEY_ID)).as("kept").isPresent();
        assertThat(live.resolve(OWNER, "payroll")).map(KeyRecord::keyId).contains(SECOND_KEY_ID);
    }

    @Test
    void installingAViewWithoutAKeyTheLiveOneHadReportsItsDeletion() {
        store.commit(key(KEY_ID, 0, created(KEY_ID)));
        live.apply(key(KEY_ID, 0, created(KEY_ID)));
        live.apply(key(SECOND_KEY_ID, 0, created(SECOND_KEY_ID))); // never stored
        hooks.clear();
        KeyView rebuilt = live.detached();
        store.all().forEach(rebuilt::apply);

        live.takeOver(rebuilt, () -> { }, true);

        assertThat(live.find(OWNER, SECOND_KEY_ID)).isEmpty();
        assertThat(live.keysOf(OWNER)).extracting(KeyRecord::keyId).containsExactly(KEY_ID);
        assertThat(hooks).containsExactly("deleted " + SECOND_KEY_ID);
    }

    @Test
    void eventsAppliedAfterTheInstallationReachTheInstalledContent() {
        commitAndApply(key(KEY_ID, 0, created(KEY_ID)));
        KeyView rebuilt = live.detached();
        store.all().forEach(rebuilt::apply);
        live.takeOver(rebuilt, () -> { }, true);

        commitAndApply(key(KEY_ID, 1, new KeyDisabled(KEY_ID)));
        live.apply(key(KEY_ID, 1, new KeyDisabled(KEY_ID))); // and again, by the other feed

        assertThat(live.find(OWNER, KEY_ID).orElseThrow().state()).isEqualTo(KeyState.Disabled);
        assertThat(live.find(OWNER, KEY_ID).orElseThrow().sequence()).isEqualTo(1);
    }

    @Test
    void anAliasAppliedAtTheClocksPrecisionEqualsTheSameAliasReadBackFromTheStore() {
        // found by the first rebuild under test: the local feed hands over the event as it was
        // made (microseconds), the store gives it back with the milliseconds it keeps
        Instant made = Instant.parse("2025-03-01T08:00:00.123456789Z");
        live.apply(new GenericDomainEventMessage<>("AliasRegistry", OWNER.toString(), 0,
                new AliasCreated(OWNER, PAYROLL, KEY_ID), MetaData.emptyInstance(), "alias-event", made));
        store.commit(new GenericDomainEventMessage<>("AliasRegistry", OWNER.toString(), 0,
                new AliasCreated(OWNER, PAYROLL, KEY_ID), MetaData.emptyInstance(), "alias-event",
                Instant.parse("2025-03-01T08:00:00.123Z")));
        KeyView rebuilt = live.detached();
        store.all().forEach(rebuilt::apply);

        ViewComparison comparison = live.takeOver(rebuilt, () -> { }, false);

        assertThat(comparison.differences()).isEmpty();
        assertThat(live.alias(OWNER, PAYROLL).orElseThrow().createdAt()).isEqualTo("2025-03-01T08:00:00.123Z");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private void commitAndApply(DomainEventMessage<?> event) {
        store.commit(event);
        live.apply(event);
    }

    private static KeyCreated created(KeyId keyId) {
        return new KeyCreated(keyId, OWNER, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, Origin.TENCENT_KMS,
                ProtectionLevel.SOFTWARE, "payroll database", KeyState.Enabled, AT);
    }

    private static DomainEventMessage<?> key(KeyId keyId, long sequence, Object payload) {
        return new GenericDomainEventMessage<>("Cmk", keyId.value(), sequence, payload, MetaData.emptyInstance(),
                UUID.randomUUID().toString(), AT);
    }

    private static DomainEventMessage<?> alias(long sequence, Object payload) {
        return new GenericDomainEventMessage<>("AliasRegistry", OWNER.toString(), sequence, payload,
                MetaData.emptyInstance(), UUID.randomUUID().toString(), AT);
    }

    /** The event store: every event in commit order, and each aggregate's history. */
    private static final class Store implements KeyView.EventHistory {
        private final List<DomainEventMessage<?>> all = new ArrayList<>();
        private final Map<String, List<DomainEventMessage<?>>> byAggregate = new HashMap<>();

        void commit(DomainEventMessage<?> event) {
            all.add(event);
            byAggregate.computeIfAbsent(event.getAggregateIdentifier(), id -> new ArrayList<>()).add(event);
        }

        List<DomainEventMessage<?>> all() {
            return List.copyOf(all);
        }

        List<DomainEventMessage<?>> history(String aggregateIdentifier) {
            return List.copyOf(byAggregate.getOrDefault(aggregateIdentifier, List.of()));
        }

        @Override
        public Stream<? extends DomainEventMessage<?>> read(String aggregateIdentifier, long fromSequenceNumber) {
            return history(aggregateIdentifier).stream().filter(e -> e.getSequenceNumber() >= fromSequenceNumber);
        }
    }
}
