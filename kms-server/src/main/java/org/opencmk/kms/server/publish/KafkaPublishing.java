package org.opencmk.kms.server.publish;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventhandling.TrackingEventProcessor;
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

    private static final int LINGER_MS = 5;

    /**
     * The producers' settings: idempotent, acknowledged by all in-sync replicas; a send that cannot
     * reach Kafka fails within the delivery timeout, and its publisher sends the batch again.
     */
    static Supplier<Producer<String, byte[]>> producers(KmsProperties properties, String clientId) {
        long delivery = properties.kafka().deliveryTimeout().toMillis();
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
        long request = Math.min(10_000, (delivery - LINGER_MS) / 2);
        Map<String, Object> settings = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, properties.kafka().bootstrapServers(),
                ProducerConfig.CLIENT_ID_CONFIG, clientId,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, LINGER_MS,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) delivery,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) request,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, Math.min(10_000, delivery));
        return () -> new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
    }

    @Bean
    AuditPublisher auditPublisher(KmsProperties properties, JdbcTemplate jdbc, TransactionTemplate transaction) {
        return new AuditPublisher(new OrderedSender(producers(properties, "kms-audit-publisher")),
                properties.kafka().auditTopic(), jdbc, transaction, acknowledgementPatience(properties));
    }

    @Bean(destroyMethod = "close")
    EventPublisher eventPublisher(KmsProperties properties, KeyView view, EventStore eventStore) {
        return new EventPublisher(new OrderedSender(producers(properties, "kms-event-publisher")),
                properties.kafka().eventsTopic(), view, eventStore, acknowledgementPatience(properties));
    }

    /** How long a publisher waits for a batch's acknowledgements: the producer gives up first. */
    private static java.time.Duration acknowledgementPatience(KmsProperties properties) {
        return properties.kafka().deliveryTimeout().plusSeconds(10);
    }

    /** RepublishEvents: the events publisher's processor as Axon built it, and the audit stream's reset. */
    @Bean
    EventRepublishing eventRepublishing(org.axonframework.config.Configuration axon, AuditPublisher audit,
                                        KmsProperties properties) {
        return new EventRepublishing(() -> axon.eventProcessingConfiguration()
                .eventProcessor(EventPublisher.PROCESSOR, TrackingEventProcessor.class), audit::replayFromStart,
                properties.kafka().eventsTopic(), properties.kafka().auditTopic());
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
