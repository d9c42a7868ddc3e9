package org.opencmk.kms.audit;

import java.util.function.Function;
import javax.sql.DataSource;
import org.opencmk.kms.audit.chain.ChainStore;
import org.opencmk.kms.audit.chain.RecordKind;
import org.opencmk.kms.audit.db.AuditDatabase;
import org.opencmk.kms.audit.kafka.AuditTopicsConsumer;
import org.opencmk.kms.audit.web.RecordQueries;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.ConnectionObserver;

/** The consumer's parts: the database, the chain store, the Kafka loop, the HTTP side's JDBC threads. */
@Configuration(proxyBeanMethods = false)
public class AuditConfiguration {

    /** Connections: one for the Kafka loop, the rest for queries (as many as JDBC threads). */
    static final int QUERY_THREADS = 6;

    @Bean(destroyMethod = "close")
    public AuditDatabase auditDatabase(AuditProperties properties) {
        return AuditDatabase.forConsumer(properties, QUERY_THREADS + 2);
    }

    /** Defined here, so that Spring's own DataSource (and its spring.datasource.* settings) stay out. */
    @Bean
    public DataSource dataSource(AuditDatabase database) {
        return database.dataSource();
    }

    @Bean
    public ChainStore chainStore(DataSource dataSource, AuditProperties properties) {
        return new ChainStore(dataSource, kindOfTopic(properties.kafka()));
    }

    /** Started after Flyway has migrated (a lifecycle bean starts once every singleton exists), stopped before the pool closes. */
    @Bean
    public AuditTopicsConsumer auditTopicsConsumer(AuditProperties properties, ChainStore chainStore) {
        return new AuditTopicsConsumer(properties.kafka(), chainStore);
    }

    @Bean
    public RecordQueries recordQueries(DataSource dataSource) {
        return new RecordQueries(dataSource);
    }

    @Bean(destroyMethod = "dispose")
    public Scheduler jdbcScheduler() {
        return Schedulers.newBoundedElastic(QUERY_THREADS, 1000, "audit-jdbc");
    }

    /**
     * Event loops of this server's own: Reactor Netty's global ones are disposed when any
     * application context in the JVM closes, which would stop every other server in it.
     */
    @Bean
    public ReactorResourceFactory reactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        return factory;
    }

    /**
     * Reactor Netty 1.3.6 (reactor/reactor-netty#4361, fixed in 1.3.8, whose native transports
     * this build cannot get yet) stops reading a kept-alive HTTP/1.1 connection when a request that
     * arrived while the one before it was being answered is then answered at once: every later
     * request on that connection waits for ever. A read asked for whenever a request's operations
     * end puts back the one it forgot; where none was forgotten, one is asked for already and this
     * changes nothing. Remove with the upgrade.
     */
    @Bean
    public NettyServerCustomizer readOnAfterEachRequest() {
        return server -> server.childObserve((connection, state) -> {
            if (state == ConnectionObserver.State.DISCONNECTING && connection.channel().isActive()) {
                connection.channel().read();
            }
        });
    }

    static Function<String, RecordKind> kindOfTopic(AuditProperties.Kafka kafka) {
        if (kafka.auditTopic().equals(kafka.eventsTopic())) {
            throw new IllegalStateException("the audit topic and the events topic are both " + kafka.auditTopic()
                    + ": they hold different records and must differ");
        }
        return topic -> {
            if (topic.equals(kafka.auditTopic())) {
                return RecordKind.AUDIT;
            }
            if (topic.equals(kafka.eventsTopic())) {
                return RecordKind.EVENT;
            }
            throw new IllegalArgumentException("not a consumed topic: " + topic);
        };
    }
}
