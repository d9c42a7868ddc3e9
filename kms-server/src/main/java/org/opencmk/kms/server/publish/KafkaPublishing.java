package org.opencmk.kms.server.publish;

import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventhandling.TrackingEventProcessorConfiguration;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.StreamableMessageSource;
import org.opencmk.kms.query.keyview.KeyView;
import org.opencmk.kms.server.KmsProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishing to Kafka (issue 15), on when {@code KMS_KAFKA_BOOTSTRAP_SERVERS} is set: audit
 * records by {@link AuditPublisher}, events by {@link EventPublisher}, through one idempotent
 * producer (acks from all in-sync replicas; a retried send is written once per partition, in
 * order). Neither is on any API call's path.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${kms.kafka.bootstrap-servers:}' != ''")
public class KafkaPublishing {

    @Bean(destroyMethod = "close")
    Producer<String, byte[]> kafkaProducer(KmsProperties properties) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, "kms-publisher",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                // A send that cannot reach Kafka fails within this; the publishers retry the batch.
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000),
                new StringSerializer(), new ByteArraySerializer());
    }

    @Bean
    AuditPublisher auditPublisher(Producer<String, byte[]> producer, KmsProperties properties, JdbcTemplate jdbc,
                                  TransactionTemplate transaction) {
        return new AuditPublisher(producer, properties.kafka().auditTopic(), jdbc, transaction);
    }

    @Bean
    EventPublisher eventPublisher(Producer<String, byte[]> producer, KmsProperties properties, KeyView view,
                                  EventStore eventStore) {
        return new EventPublisher(producer, properties.kafka().eventsTopic(), view, eventStore);
    }

    /**
     * The events publisher's processor: from the very first event the first time (a new
     * deployment publishes the whole history), then from its token; a failed batch (Kafka away)
     * is retried, never skipped.
     */
    @Bean
    ConfigurerModule eventPublisherProcessor() {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerTrackingEventProcessor(EventPublisher.PROCESSOR, c -> c.eventStore(),
                        c -> TrackingEventProcessorConfiguration.forSingleThreadedProcessing()
                                .andBatchSize(200)
                                .andInitialTrackingToken(StreamableMessageSource::createTailToken))
                .registerListenerInvocationErrorHandler(EventPublisher.PROCESSOR,
                        c -> PropagatingErrorHandler.instance()));
    }
}
