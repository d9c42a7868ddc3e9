package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.Sdk.assertError;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.EventSourcingRepository;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.eventsourcing.snapshotting.SnapshotFilter;
import org.axonframework.messaging.unitofwork.DefaultUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.axonframework.modelling.command.Repository;
import org.axonframework.serialization.Serializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.command.alias.AliasRegistry;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.SharedKmsServer;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An account with thousands of aliases (issue 17, part 3), through the API and PostgreSQL: its
 * alias registry is loaded from a snapshot plus the events after it, the snapshot holds what a
 * full replay gives, uniqueness still holds across it, and a snapshot that cannot be trusted (an
 * older layout, or one that does not read) is passed over, never misread.
 */
class AliasSnapshotIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A few thousand, created quickly: twenty snapshots' worth. */
    private static final int MANY_ALIASES = 20 * AliasRegistry.SNAPSHOT_AFTER_EVENTS;

    private KmsServer server;
    private Accounts account;
    private KmsClient kms;
    private JdbcTemplate db;

    @BeforeEach
    void freshAccount() {
        server = SharedKmsServer.get();
        account = Accounts.create(server, "many-aliases");
        kms = account.sdk();
        db = server.bean(JdbcTemplate.class);
    }

    @Test
    void anAliasCommandOnAnAccountWithThousandsOfAliasesReadsTheSnapshotAndTheEventsAfterIt() throws Exception {
        String keyId = createKey();
        String otherKey = createKey();
        createAliases(keyId);

        // What the repository reads for the next command: the newest snapshot, then the events after it.
        List<? extends DomainEventMessage<?>> read = server.bean(EventStore.class)
                .readEvents(registryId()).asStream().toList();
        assertThat(read.get(0).getPayload()).isInstanceOf(AliasRegistry.class);
        assertThat(read.get(0).getSequenceNumber()).isEqualTo(newestSnapshotSequence());
        assertThat(read).hasSizeLessThanOrEqualTo(AliasRegistry.SNAPSHOT_AFTER_EVENTS + 2);
        assertThat(db.queryForObject("SELECT count(*) FROM snapshotevententry WHERE aggregateidentifier = ?",
                Integer.class, registryId())).as("older snapshots are removed").isEqualTo(1);

        // Uniqueness across the snapshot: an alias from before it is taken; one deleted before it is free.
        assertError("InvalidParameterValue.AliasAlreadyExists",
                () -> call("CreateAlias", "{\"Alias\":\"alias-5\",\"KeyId\":\"" + otherKey + "\"}"));
        call("DeleteAlias", "{\"Alias\":\"alias-6\"}");
        createAliases(keyId, MANY_ALIASES, MANY_ALIASES + 2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS + 5);
        assertThat(newestSnapshotSequence()).as("a snapshot after the deletion").isGreaterThanOrEqualTo(MANY_ALIASES);
        call("CreateAlias", "{\"Alias\":\"alias-6\",\"KeyId\":\"" + otherKey + "\"}");
        assertThat(call("DescribeKey", "{\"KeyId\":\"alias-6\"}").path("KeyMetadata").path("KeyId").asText())
                .isEqualTo(otherKey);
        assertError("InvalidParameterValue.AliasAlreadyExists",
                () -> call("CreateAlias", "{\"Alias\":\"alias-6\",\"KeyId\":\"" + keyId + "\"}"));

        // CreateKey with an alias asks the same registry.
        CreateKeyRequest taken = new CreateKeyRequest();
        taken.setAlias("alias-7");
        assertError("InvalidParameterValue.AliasAlreadyExists", () -> kms.CreateKey(taken));
        CreateKeyRequest free = new CreateKeyRequest();
        free.setAlias("alias-" + (MANY_ALIASES + 2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS + 5));
        String named = kms.CreateKey(free).getKeyId();
        assertThat(call("DescribeKey", "{\"KeyId\":\"" + free.getAlias() + "\"}").path("KeyMetadata").path("KeyId").asText())
                .isEqualTo(named);
    }

    @Test
    void theRegistryRestoredFromTheSnapshotEqualsTheRegistryReplayedFromEveryEvent() throws Exception {
        String keyId = createKey();
        String otherKey = createKey();
        createAliases(keyId, 0, 3 * AliasRegistry.SNAPSHOT_AFTER_EVENTS);
        for (int i = 0; i < 3 * AliasRegistry.SNAPSHOT_AFTER_EVENTS; i += 3) {
            call("UpdateAlias", "{\"Alias\":\"alias-" + i + "\",\"KeyId\":\"" + otherKey + "\"}");
            call("DeleteAlias", "{\"Alias\":\"alias-" + (i + 1) + "\"}");
        }
        call("CreateAlias", "{\"Alias\":\"alias-1\",\"KeyId\":\"" + otherKey + "\"}");
        assertThat(newestSnapshotSequence()).isPositive();

        AliasRegistry fromSnapshot = load(server.bean("aliasRegistryRepository", Repository.class));
        AliasRegistry replayed = load(repositoryWithoutSnapshots());

        assertThat(fromSnapshot).usingRecursiveComparison().isEqualTo(replayed);
        assertThat(json(fromSnapshot)).isEqualTo(json(replayed));
        JsonNode aliases = JSON.readTree(json(replayed)).path("aliases");
        assertThat(aliases.size()).isEqualTo(2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS + 1);
        assertThat(aliases.path("alias-0").path("value").asText()).isEqualTo(otherKey);
        assertThat(aliases.path("alias-2").path("value").asText()).isEqualTo(keyId);
    }

    /** A snapshot of another layout revision that, if read, would say the account has no aliases. */
    @Test
    void aSnapshotOfAnotherLayoutIsPassedOverNotMisread() throws Exception {
        String keyId = createKey();
        createAliases(keyId, 0, 2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS);
        plantSnapshot("0", "{\"account\":{\"value\":" + account.accountId() + "},\"aliases\":{}}");

        assertError("InvalidParameterValue.AliasAlreadyExists",
                () -> call("CreateAlias", "{\"Alias\":\"alias-5\",\"KeyId\":\"" + keyId + "\"}"));
        call("DeleteAlias", "{\"Alias\":\"alias-5\"}");
        assertThat(call("ListAliases", "{}").path("TotalCount").asInt()).isEqualTo(2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS - 1);
    }

    @Test
    void aSnapshotThatDoesNotReadIsReplacedByTheEvents() throws Exception {
        String keyId = createKey();
        createAliases(keyId, 0, 2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS);
        plantSnapshot(AliasRegistry.SNAPSHOT_LAYOUT, "{\"account\":{\"value\":" + account.accountId() + "},\"unknown\":1}");

        assertError("InvalidParameterValue.AliasAlreadyExists",
                () -> call("CreateAlias", "{\"Alias\":\"alias-5\",\"KeyId\":\"" + keyId + "\"}"));
        call("DeleteAlias", "{\"Alias\":\"alias-5\"}");
        call("CreateAlias", "{\"Alias\":\"alias-5\",\"KeyId\":\"" + keyId + "\"}");
        assertThat(call("ListAliases", "{}").path("TotalCount").asInt()).isEqualTo(2 * AliasRegistry.SNAPSHOT_AFTER_EVENTS);
    }

    /** Puts a snapshot row at the registry's newest sequence number, where it is read first. */
    private void plantSnapshot(String revision, String payload) {
        long newest = db.queryForObject("SELECT max(sequencenumber) FROM domainevententry WHERE aggregateidentifier = ?",
                Long.class, registryId());
        db.update("DELETE FROM snapshotevententry WHERE aggregateidentifier = ? AND sequencenumber = ?",
                registryId(), newest);
        db.update("INSERT INTO snapshotevententry (aggregateidentifier, sequencenumber, type, eventidentifier,"
                        + " metadata, payload, payloadrevision, payloadtype, timestamp)"
                        + " VALUES (?, ?, 'AliasRegistry', ?, ?, ?, ?, ?, '2026-01-01T00:00:00Z')",
                registryId(), newest, java.util.UUID.randomUUID().toString(), "{}".getBytes(StandardCharsets.UTF_8),
                payload.getBytes(StandardCharsets.UTF_8), revision, AliasRegistry.class.getName());
        assertThat(newestSnapshotSequence()).isEqualTo(newest);
    }

    private long newestSnapshotSequence() {
        Long newest = db.queryForObject("SELECT max(sequencenumber) FROM snapshotevententry WHERE aggregateidentifier = ?",
                Long.class, registryId());
        return newest == null ? -1 : newest;
    }

    /** The registry as the event store gives it with every snapshot filtered out: a full replay. */
    private EventSourcingRepository<AliasRegistry> repositoryWithoutSnapshots() {
        JdbcEventStorageEngine engine = JdbcEventStorageEngine.builder()
                .snapshotSerializer(server.bean("serializer", Serializer.class))
                .eventSerializer(server.bean("eventSerializer", Serializer.class))
                .connectionProvider(server.bean(ConnectionProvider.class))
                .transactionManager(server.bean(TransactionManager.class))
                .snapshotFilter(SnapshotFilter.rejectAll())
                .build();
        return EventSourcingRepository.builder(AliasRegistry.class)
                .eventStore(EmbeddedEventStore.builder().storageEngine(engine).build())
                .build();
    }

    @SuppressWarnings("unchecked")
    private AliasRegistry load(Repository<?> repository) {
        UnitOfWork<?> unitOfWork = DefaultUnitOfWork.startAndGet(null);
        try {
            return ((Repository<AliasRegistry>) repository).load(registryId()).invoke(Function.identity());
        } finally {
            unitOfWork.rollback();
        }
    }

    private String json(AliasRegistry registry) {
        return new String(server.bean("serializer", Serializer.class).serialize(registry, byte[].class).getData(),
                StandardCharsets.UTF_8);
    }

    private String registryId() {
        return Long.toString(account.accountId());
    }

    private void createAliases(String keyId) throws Exception {
        createAliases(keyId, 0, MANY_ALIASES);
    }

    private void createAliases(String keyId, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            call("CreateAlias", "{\"Alias\":\"alias-" + i + "\",\"KeyId\":\"" + keyId + "\"}");
        }
    }

    private String createKey() throws Exception {
        return kms.CreateKey(new CreateKeyRequest()).getKeyId();
    }

    private JsonNode call(String action, String body) throws Exception {
        return JSON.readTree(kms.call(action, body)).path("Response");
    }
}
