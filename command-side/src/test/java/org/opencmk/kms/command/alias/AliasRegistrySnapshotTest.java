package org.opencmk.kms.command.alias;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.axonframework.commandhandling.AnnotationCommandHandlerAdapter;
import org.axonframework.commandhandling.SimpleCommandBus;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.AggregateSnapshotter;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.EventSourcingRepository;
import org.axonframework.eventsourcing.GenericAggregateFactory;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.json.JacksonSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.command.SecondAggregateStore;
import org.opencmk.kms.command.lifecycle.Cmk;
import org.opencmk.kms.command.lifecycle.KeyNotFoundTranslation;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;

/**
 * The alias registry snapshotted as kms-server snapshots it (issue 17, part 3): an
 * {@link EventCountSnapshotTriggerDefinition} at {@link AliasRegistry#SNAPSHOT_AFTER_EVENTS}, an
 * {@link AggregateSnapshotter}, and the snapshot stored as JSON by Axon's Jackson serializer with
 * the object mapper Axon's Spring Boot auto-configuration builds. The store counts what each load
 * reads, so the tests see that a command reads the snapshot and the events after it, not the
 * account's history.
 */
class AliasRegistrySnapshotTest {

    private static final AccountId OWNER = new AccountId(100_000_001L);
    private static final KeyId KEY_ID = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyId SECOND_KEY_ID = new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
    private static final KeyId THIRD_KEY_ID = new KeyId("b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e");

    private static final AliasName LONELY = new AliasName("lonely");
    private static final AliasName RENAMED = new AliasName("renamed");

    /** "A few thousand aliases created quickly" (issue 17): thirty snapshots' worth. */
    private static final int MANY_ALIASES = 3_000;

    private SecondAggregateStore<Cmk> keys;
    private SnapshotStoringEngine storage;
    private EmbeddedEventStore eventStore;
    private EventSourcingRepository<AliasRegistry> registries;
    private CommandGateway commands;

    @BeforeEach
    void setUp() {
        keys = new SecondAggregateStore<>(Cmk.class);
        keys.given(KEY_ID.value(), keyCreated(KEY_ID));
        keys.given(SECOND_KEY_ID.value(), keyCreated(SECOND_KEY_ID));
        keys.given(THIRD_KEY_ID.value(), keyCreated(THIRD_KEY_ID));

        storage = new SnapshotStoringEngine();
        eventStore = EmbeddedEventStore.builder().storageEngine(storage).build();
        AggregateSnapshotter snapshotter = AggregateSnapshotter.builder()
                .eventStore(eventStore)
                .aggregateFactories(new GenericAggregateFactory<>(AliasRegistry.class))
                .build();
        registries = EventSourcingRepository.builder(AliasRegistry.class)
                .eventStore(eventStore)
                .snapshotTriggerDefinition(
                        new EventCountSnapshotTriggerDefinition(snapshotter, AliasRegistry.SNAPSHOT_AFTER_EVENTS))
                .build();

        SimpleCommandBus commandBus = SimpleCommandBus.builder().build();
        commandBus.registerHandlerInterceptor(new KeyNotFoundTranslation());
        new AnnotationCommandHandlerAdapter<>(new AliasCommandHandler(keys.repository(), registries)).subscribe(commandBus);
        commands = DefaultCommandGateway.builder().commandBus(commandBus).build();
    }

    @AfterEach
    void tearDown() {
        eventStore.shutDown();
        keys.close();
    }

    @Test
    void anAliasCommandOnAnAccountWithThousandsOfAliasesReadsTheSnapshotAndTheEventsAfterIt() {
        for (int i = 0; i < MANY_ALIASES; i++) {
            commands.sendAndWait(new CreateAlias(OWNER, alias(i), KEY_ID));
        }
        storage.resetCounts();

        commands.sendAndWait(new CreateAlias(OWNER, alias(MANY_ALIASES), KEY_ID));

        // The command's own load first; the snapshotter's, if this command took a snapshot, after it.
        assertThat(storage.loads).isNotEmpty().allSatisfy(load -> {
            assertThat(load.fromSequence()).as("the first event read, right after a snapshot")
                    .isGreaterThan(MANY_ALIASES - AliasRegistry.SNAPSHOT_AFTER_EVENTS - 2L);
            assertThat(load.eventsRead()).isLessThanOrEqualTo(AliasRegistry.SNAPSHOT_AFTER_EVENTS + 1);
        });
        assertThat(storage.snapshotsRead).isEqualTo(storage.loads.size());
        assertThat(aliasesIn(registryFromSnapshot()).size()).isEqualTo(MANY_ALIASES + 1);
    }

    @Test
    void withoutSnapshotsTheSameCommandWouldReadTheWholeHistory() {
        // The control for the test above: what snapshots save.
        storage.ignoreSnapshots = true;
        for (int i = 0; i < 2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS; i++) {
            commands.sendAndWait(new CreateAlias(OWNER, alias(i), KEY_ID));
        }
        storage.resetCounts();

        commands.sendAndWait(new CreateAlias(OWNER, alias(2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS), KEY_ID));

        assertThat(storage.loads.get(0)).isEqualTo(new Load(0, 2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS));
    }

    @Test
    void theRegistryRestoredFromTheSnapshotEqualsTheRegistryReplayedFromEveryEvent() {
        // Every kind of alias event, some before the newest snapshot and some after it.
        for (int i = 0; i < 3 * AliasRegistry.SNAPSHOT_AFTER_EVENTS + 17; i++) {
            commands.sendAndWait(new CreateAlias(OWNER, alias(i), i % 2 == 0 ? KEY_ID : SECOND_KEY_ID));
            if (i % 5 == 4) {
                commands.sendAndWait(new UpdateAlias(OWNER, alias(i - 1), i % 2 == 0 ? KEY_ID : SECOND_KEY_ID));
            }
            if (i % 7 == 6) {
                commands.sendAndWait(new DeleteAlias(OWNER, alias(i - 2)));
            }
        }
        commands.sendAndWait(new DeleteAlias(OWNER, alias(1)));
        commands.sendAndWait(new CreateAlias(OWNER, LONELY, THIRD_KEY_ID));
        for (int i = 3; i < 3 * AliasRegistry.SNAPSHOT_AFTER_EVENTS + 17; i += 2) {
            if (i % 7 != 4) { // those were deleted in the first round
                commands.sendAndWait(new DeleteAlias(OWNER, alias(i)));
            }
        }
        // THIRD_KEY_ID has one alias: a new name renames it.
        commands.sendAndWait(new UpdateAlias(OWNER, RENAMED, THIRD_KEY_ID));
        assertThat(storage.snapshotsStored).isGreaterThan(3);

        AliasRegistry fromSnapshot = registryFromSnapshot();
        assertThat(storage.loads.get(storage.loads.size() - 1).fromSequence()).as("loaded from a snapshot").isPositive();
        AliasRegistry replayed = registryReplayedFromEveryEvent();

        assertThat(fromSnapshot).usingRecursiveComparison().isEqualTo(replayed);
        assertThat(json(fromSnapshot)).isEqualTo(json(replayed));
        assertThat(aliasesIn(replayed).size()).isGreaterThan(AliasRegistry.SNAPSHOT_AFTER_EVENTS);
        assertThat(aliasesIn(replayed).has(LONELY.value())).isFalse();
        assertThat(aliasesIn(replayed).get(RENAMED.value()).get("value").asText()).isEqualTo(THIRD_KEY_ID.value());
    }

    @Test
    void anAliasTakenBeforeTheSnapshotIsRefusedAfterIt() {
        for (int i = 0; i < 2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS; i++) {
            commands.sendAndWait(new CreateAlias(OWNER, alias(i), KEY_ID));
        }
        storage.resetCounts();

        assertThatThrownBy(() -> commands.sendAndWait(new CreateAlias(OWNER, alias(3), SECOND_KEY_ID)))
                .isInstanceOfSatisfying(KmsException.class,
                        refusal -> assertThat(refusal.error()).isEqualTo(KmsError.ALIAS_ALREADY_EXISTS));
        assertThat(storage.loads.get(0).fromSequence()).as("loaded from a snapshot").isPositive();
    }

    @Test
    void anAliasDeletedBeforeTheSnapshotCanBeTakenAgainAfterIt() {
        commands.sendAndWait(new CreateAlias(OWNER, alias(0), KEY_ID));
        commands.sendAndWait(new DeleteAlias(OWNER, alias(0)));
        for (int i = 1; i < 2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS; i++) {
            commands.sendAndWait(new CreateAlias(OWNER, alias(i), KEY_ID));
        }
        storage.resetCounts();

        commands.sendAndWait(new CreateAlias(OWNER, alias(0), SECOND_KEY_ID));

        assertThat(storage.loads.get(0).fromSequence()).as("loaded from a snapshot").isPositive();
        assertThat(aliasesIn(registryFromSnapshot()).get(alias(0).value()).get("value").asText())
                .isEqualTo(SECOND_KEY_ID.value());
    }

    @Test
    void theSnapshotIsStoredWithTheRegistrysLayoutRevision() {
        for (int i = 0; i < 2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS; i++) {
            commands.sendAndWait(new CreateAlias(OWNER, alias(i), KEY_ID));
        }

        assertThat(storage.newestSnapshot.getType().getRevision()).isEqualTo(AliasRegistry.SNAPSHOT_LAYOUT);
        assertThat(storage.newestSnapshot.getType().getName()).isEqualTo(AliasRegistry.class.getName());
    }

    private AliasRegistry registryFromSnapshot() {
        return load(registries);
    }

    private AliasRegistry registryReplayedFromEveryEvent() {
        storage.ignoreSnapshots = true;
        try {
            return load(EventSourcingRepository.builder(AliasRegistry.class).eventStore(eventStore).build());
        } finally {
            storage.ignoreSnapshots = false;
        }
    }

    private static AliasRegistry load(EventSourcingRepository<AliasRegistry> repository) {
        UnitOfWork<?> unitOfWork = DefaultUnitOfWork.startAndGet(null);
        try {
            return repository.load(OWNER.toString()).invoke(Function.identity());
        } finally {
            unitOfWork.rollback();
        }
    }

    private String json(AliasRegistry registry) {
        return new String(storage.serializer.serialize(registry, byte[].class).getData(),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The registry's aliases as its snapshot holds them: {@code {name: {"value": keyId}}}. */
    private com.fasterxml.jackson.databind.JsonNode aliasesIn(AliasRegistry registry) {
        try {
            return new ObjectMapper().readTree(json(registry)).get("aliases");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static AliasName alias(int i) {
        return new AliasName("alias-" + i);
    }

    private static KeyCreated keyCreated(KeyId keyId) {
        return new KeyCreated(keyId, OWNER, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, Origin.TENCENT_KMS,
                ProtectionLevel.SOFTWARE, "", KeyState.Enabled, java.time.Instant.parse("2025-03-01T08:00:00Z"));
    }

    /** One read of an aggregate's events: the first sequence number asked for, and how many came. */
    record Load(long fromSequence, int eventsRead) {
    }

    /**
     * An in-memory store that keeps snapshots as kms-server's JDBC store does: serialized to JSON
     * and read back into a new object (the in-memory engine would keep the very aggregate object).
     */
    private static final class SnapshotStoringEngine implements EventStorageEngine {

        // Axon's Spring Boot auto-configuration: new ObjectMapper().findAndRegisterModules().
        final Serializer serializer = JacksonSerializer.builder()
                .objectMapper(new ObjectMapper().findAndRegisterModules())
                .build();
        private final InMemoryEventStorageEngine events = new InMemoryEventStorageEngine();
        final List<Load> loads = new ArrayList<>();
        int snapshotsRead;
        int snapshotsStored;
        boolean ignoreSnapshots;
        SerializedObject<byte[]> newestSnapshot;
        private DomainEventMessage<?> newestSnapshotMessage;

        void resetCounts() {
            loads.clear();
            snapshotsRead = 0;
        }

        @Override
        public void appendEvents(List<? extends EventMessage<?>> messages) {
            events.appendEvents(messages);
        }

        @Override
        public void storeSnapshot(DomainEventMessage<?> snapshot) {
            newestSnapshot = serializer.serialize(snapshot.getPayload(), byte[].class);
            newestSnapshotMessage = snapshot;
            snapshotsStored++;
        }

        @Override
        public Optional<DomainEventMessage<?>> readSnapshot(String aggregateIdentifier) {
            if (ignoreSnapshots || newestSnapshot == null) {
                return Optional.empty();
            }
            snapshotsRead++;
            Object restored = serializer.deserialize(newestSnapshot);
            return Optional.of(new GenericDomainEventMessage<>(newestSnapshotMessage.getType(), aggregateIdentifier,
                    newestSnapshotMessage.getSequenceNumber(), restored));
        }

        @Override
        public DomainEventStream readEvents(String aggregateIdentifier, long firstSequenceNumber) {
            List<? extends DomainEventMessage<?>> read = events.readEvents(aggregateIdentifier, firstSequenceNumber)
                    .asStream().toList();
            loads.add(new Load(firstSequenceNumber, read.size()));
            return DomainEventStream.of(read.stream().map(event -> (DomainEventMessage<?>) event));
        }

        @Override
        public Stream<? extends TrackedEventMessage<?>> readEvents(TrackingToken trackingToken, boolean mayBlock) {
            return events.readEvents(trackingToken, mayBlock);
        }

        @Override
        public Optional<Long> lastSequenceNumberFor(String aggregateIdentifier) {
            return events.lastSequenceNumberFor(aggregateIdentifier);
        }

        @Override
        public TrackingToken createTailToken() {
            return events.createTailToken();
        }

        @Override
        public TrackingToken createHeadToken() {
            return events.createHeadToken();
        }

        @Override
        public TrackingToken createTokenAt(java.time.Instant dateTime) {
            return events.createTokenAt(dateTime);
        }
    }
}
