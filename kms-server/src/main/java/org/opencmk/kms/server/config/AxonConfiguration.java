package org.opencmk.kms.server.config;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.axonframework.commandhandling.CommandBus;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.commandhandling.gateway.ExponentialBackOffIntervalRetryScheduler;
import org.axonframework.common.jdbc.ConnectionProvider;
import org.axonframework.common.jdbc.PersistenceExceptionResolver;
import org.axonframework.common.transaction.TransactionManager;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventBusSpanFactory;
import org.axonframework.eventhandling.TrackingEventProcessorConfiguration;
import org.axonframework.eventhandling.tokenstore.inmemory.InMemoryTokenStore;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.SnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.EventSchema;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.axonframework.modelling.saga.repository.jdbc.PostgresSagaSqlSchema;
import org.axonframework.modelling.saga.repository.jdbc.SagaSqlSchema;
import org.axonframework.serialization.Serializer;
import org.axonframework.spring.messaging.unitofwork.SpringTransactionManager;
import org.opencmk.kms.command.alias.AliasRegistry;
import org.opencmk.kms.command.lifecycle.KeyNotFoundTranslation;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.query.keyview.KeyView;
import org.opencmk.kms.query.keyview.KeyViewFeeds;
import org.opencmk.kms.server.KmsProperties;
import org.opencmk.kms.server.projection.KeyViewSnapshots;
import org.opencmk.kms.server.projection.KeyViewSnapshotter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Axon on Spring Boot 4, without Axon Server. The transaction manager is declared here because
 * Axon's auto-configuration silently runs without transactions on Boot 4 (NOTES.md).
 */
@Configuration(proxyBeanMethods = false)
public class AxonConfiguration {

    static final int EVENT_BATCH_SIZE = 1000;
    static final Duration OTHER_NODES_POLL = Duration.ofMillis(250);
    static final Duration CONFLICT_BACKOFF = Duration.ofMillis(5);
    static final int CONFLICT_RETRIES = 8;
    private static final String UNIQUE_VIOLATION = "23505";

    @Bean
    public TransactionManager axonTransactionManager(PlatformTransactionManager transactionManager) {
        return new SpringTransactionManager(transactionManager);
    }

    /** Sagas in PostgreSQL with bytea columns (the generic schema assumes otherwise). */
    @Bean
    public SagaSqlSchema sagaSqlSchema() {
        return new PostgresSagaSqlSchema();
    }

    /**
     * Axon's JDBC event store as its auto-configuration builds it, but reading 1,000 events a
     * query instead of 100: the key view is rebuilt from the whole store on every start.
     */
    @Bean
    public EventStorageEngine eventStorageEngine(Serializer defaultSerializer,
                                                 PersistenceExceptionResolver persistenceExceptionResolver,
                                                 @Qualifier("eventSerializer") Serializer eventSerializer,
                                                 org.axonframework.config.Configuration configuration,
                                                 ConnectionProvider connectionProvider,
                                                 TransactionManager transactionManager) {
        return new SnapshotReadingEventStorageEngine(JdbcEventStorageEngine.builder()
                .snapshotSerializer(defaultSerializer)
                .upcasterChain(configuration.upcasterChain())
                .persistenceExceptionResolver(persistenceExceptionResolver)
                .eventSerializer(eventSerializer)
                .snapshotFilter(configuration.snapshotFilter())
                .connectionProvider(connectionProvider)
                .transactionManager(transactionManager)
                .schema(EventSchema.builder().build())
                .batchSize(EVENT_BATCH_SIZE));
    }

    /**
     * The JDBC event store, reading a snapshot's payload as soon as it reads the snapshot. Axon
     * deserializes a snapshot lazily, when the repository builds the aggregate from it, where a
     * snapshot that cannot be read fails the command, for good. Read here, the failure is one the
     * event store handles: it logs it and replays the aggregate's events instead. (Snapshots of
     * another layout never get this far: the aggregate's {@code @Revision} filters them out.)
     */
    static final class SnapshotReadingEventStorageEngine extends JdbcEventStorageEngine {

        SnapshotReadingEventStorageEngine(JdbcEventStorageEngine.Builder builder) {
            super(builder);
        }

        @Override
        public Optional<DomainEventMessage<?>> readSnapshot(String aggregateIdentifier) {
            Optional<DomainEventMessage<?>> snapshot = super.readSnapshot(aggregateIdentifier);
            snapshot.ifPresent(DomainEventMessage::getPayload);
            return snapshot;
        }
    }

    /**
     * Snapshots of each account's alias registry, so that an alias command reads the newest
     * snapshot and the few events after it rather than the account's whole alias history. The
     * snapshot is taken on the command's thread once its transaction has committed, from the
     * committed events, with Axon's auto-configured snapshotter (general serializer: Jackson).
     */
    @Bean(name = AliasRegistry.SNAPSHOT_TRIGGER)
    public SnapshotTriggerDefinition aliasRegistrySnapshotTrigger(Snapshotter snapshotter) {
        return new EventCountSnapshotTriggerDefinition(snapshotter, AliasRegistry.SNAPSHOT_AFTER_EVENTS);
    }

    /**
     * Tells a duplicate event (a concurrent change of the same aggregate) from other SQL errors.
     * Axon's {@code JdbcSQLErrorCodesResolver} waits for an {@code SQLIntegrityConstraintViolationException},
     * which the PostgreSQL driver never throws: every conflict would be a permanent failure.
     * PostgreSQL says {@code unique_violation}, SQLState 23505, anywhere in the cause chain.
     */
    @Bean
    public PersistenceExceptionResolver persistenceExceptionResolver() {
        return exception -> {
            for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
                if (cause instanceof java.sql.SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                    return true;
                }
            }
            return false;
        };
    }

    /**
     * Axon's embedded event store as its auto-configuration builds it, polling the database for
     * other nodes' events every 250 ms instead of every second, so that a change made on one node
     * reaches every other node's key view well within the second DESIGN.md allows.
     */
    @Qualifier("eventStore")
    @Bean(name = "eventBus")
    public EmbeddedEventStore eventStore(EventStorageEngine storageEngine, org.axonframework.config.Configuration configuration) {
        return EmbeddedEventStore.builder()
                .storageEngine(storageEngine)
                .messageMonitor(configuration.messageMonitor(EventStore.class, "eventStore"))
                .spanFactory(configuration.getComponent(EventBusSpanFactory.class))
                .fetchDelay(OTHER_NODES_POLL.toMillis())
                .build();
    }

    /**
     * Commands that lost an optimistic-concurrency race (two nodes changing one aggregate, or
     * creating one account's alias registry, at once) are dispatched again, with exponential
     * backoff; every other failure, the domain's refusals above all, is answered at once.
     */
    @Bean
    public CommandGateway commandGateway(CommandBus commandBus) {
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "command-retry");
            thread.setDaemon(true);
            return thread;
        });
        return DefaultCommandGateway.builder()
                .commandBus(commandBus)
                .retryScheduler(ExponentialBackOffIntervalRetryScheduler.builder()
                        .retryExecutor(retries)
                        .backoffFactor(CONFLICT_BACKOFF.toMillis())
                        .maxRetryCount(CONFLICT_RETRIES)
                        .nonTransientFailurePredicate(failure -> !isConcurrencyConflict(failure))
                        .build())
                .build();
    }

    /** A conflict and the SQL error beneath it; the retry scheduler tests a failure and each cause. */
    private static boolean isConcurrencyConflict(Throwable failure) {
        return failure instanceof ConcurrencyException
                || failure instanceof AggregateStreamCreationException
                || failure instanceof java.sql.SQLException;
    }

    @Bean
    public Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    public KeyView keyView(EventStore eventStore, KeyHierarchy keyHierarchy, JdbcKekRepository keks) {
        return new KeyView((aggregateId, fromSequence) -> eventStore.readEvents(aggregateId, fromSequence).asStream(),
                keks::learn, keyHierarchy::evict, keyHierarchy::keyDeleted);
    }

    @Bean
    public KeyViewLoader keyViewLoader(KeyView keyView, EventStorageEngine engine, JdbcKekRepository keks,
                                       Keystore keystore, JdbcTemplate jdbc, TransactionTemplate transaction,
                                       KeyViewSnapshots snapshots, KmsProperties properties) {
        return new KeyViewLoader(keyView, engine, keks, new KekAccountBinding(keyView, keystore, jdbc, transaction),
                properties.keyView().snapshots() ? snapshots : null);
    }

    @Bean
    public KeyViewSnapshots keyViewSnapshots(JdbcTemplate jdbc, TransactionTemplate transaction, KeyView keyView,
                                             Clock clock) {
        return new KeyViewSnapshots(jdbc, transaction, keyView, clock, ManagementFactory.getRuntimeMXBean().getName());
    }

    /**
     * The position the key view has applied: the last its tracking feed applied, or, until that
     * feed applies one, where the start-up load stopped.
     */
    @Bean
    public KeyViewSnapshotter keyViewSnapshotter(KeyViewSnapshots snapshots, KeyViewFeeds.Tracking trackingFeed,
                                                 ObjectProvider<KeyViewLoader> loader, KeyView keyView,
                                                 KmsProperties properties) {
        return new KeyViewSnapshotter(snapshots, () -> trackingFeed.applied()
                .or(() -> Optional.ofNullable(loader.getObject().lastToken())),
                keyView::keyRecords, properties.keyView().snapshotEvery());
    }

    /** Snapshots are checked for once the server is ready, its feeds running. */
    @EventListener(ApplicationReadyEvent.class)
    public void startKeyViewSnapshots(ApplicationReadyEvent ready) {
        KmsProperties properties = ready.getApplicationContext().getBean(KmsProperties.class);
        if (properties.keyView().snapshots()) {
            ready.getApplicationContext().getBean(KeyViewSnapshotter.class).start();
        }
    }

    @Bean
    public KeyViewFeeds.Local keyViewLocalFeed(KeyView keyView) {
        return new KeyViewFeeds.Local(keyView);
    }

    @Bean
    public KeyViewFeeds.Tracking keyViewTrackingFeed(KeyView keyView) {
        return new KeyViewFeeds.Tracking(keyView);
    }

    /**
     * The key view's feeds: the local one subscribes to this node's commits; the tracking one is
     * per node (an in-memory token) and starts where the start-up rebuild stopped.
     */
    @Bean
    public ConfigurerModule keyViewProcessors(ObjectProvider<KeyViewLoader> loader) {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerSubscribingEventProcessor(KeyViewFeeds.LOCAL)
                .registerTrackingEventProcessor(KeyViewFeeds.TRACKING, c -> c.eventStore(),
                        c -> TrackingEventProcessorConfiguration.forSingleThreadedProcessing()
                                .andBatchSize(100)
                                .andInitialTrackingToken(source -> loader.getObject().lastToken()))
                .registerTokenStore(KeyViewFeeds.TRACKING, c -> new InMemoryTokenStore()));
    }

    /** Registered on the command bus by Axon's interceptor auto-configuration. */
    @Bean
    public KeyNotFoundTranslation keyNotFoundTranslation() {
        return new KeyNotFoundTranslation();
    }
}
