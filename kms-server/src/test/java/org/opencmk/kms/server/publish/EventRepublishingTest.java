package org.opencmk.kms.server.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.axonframework.config.Configuration;
import org.axonframework.config.DefaultConfigurer;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.axonframework.eventhandling.TrackingEventProcessorConfiguration;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.axonframework.eventhandling.tokenstore.inmemory.InMemoryTokenStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.messaging.StreamableMessageSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyDescriptionUpdated;
import org.opencmk.kms.events.KeyDisabled;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.query.keyview.KeyView;

/**
 * RepublishEvents without a broker: the real {@link EventPublisher} on its tracking processor,
 * configured as {@link KafkaPublishing} configures it, over an in-memory event store, sending to
 * Kafka's {@link MockProducer}. With a broker the same is seen by consuming the events topic
 * from the beginning with a new consumer group: every event twice, the second time in the
 * store's order again.
 */
class EventRepublishingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AccountId OWNER = new AccountId(100_000_001L);
    private static final KeyId KEY = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final Instant AT = Instant.parse("2026-11-30T08:00:00Z");
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final MockProducer<String, byte[]> kafka =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    private final ClaimableTokenStore tokens = new ClaimableTokenStore();
    private final AtomicInteger auditReplays = new AtomicInteger();
    private Configuration axon;
    private EventRepublishing republishing;
    private long nextSequence;

    @BeforeEach
    void start() {
        axon = DefaultConfigurer.defaultConfiguration()
                .configureEmbeddedEventStore(c -> new InMemoryEventStorageEngine())
                .eventProcessing(processing -> processing
                        .registerTrackingEventProcessor(EventPublisher.PROCESSOR, c -> c.eventStore(),
                                c -> TrackingEventProcessorConfiguration.forSingleThreadedProcessing()
                                        .andBatchSize(200)
                                        .andInitialTrackingToken(StreamableMessageSource::createTailToken)
                                        // retrying a refused claim sooner than the 5 s default: a faster test
                                        .andTokenClaimInterval(200, TimeUnit.MILLISECONDS))
                        .registerTokenStore(EventPublisher.PROCESSOR, c -> tokens)
                        .registerEventHandler(c -> new EventPublisher(new OrderedSender(() -> kafka), "kms.events",
                                new KeyView((id, from) -> c.eventStore().readEvents(id, from).asStream(), keyId -> { }),
                                c.eventStore(), java.time.Duration.ofSeconds(30))))
                .start();
        republishing = new EventRepublishing(() -> axon.eventProcessingConfiguration()
                .eventProcessor(EventPublisher.PROCESSOR, TrackingEventProcessor.class), auditReplays::incrementAndGet,
                "kms.events", "kms.audit");
    }

    @AfterEach
    void stop() {
        axon.shutdown();
    }

    @Test
    void theWholeHistoryIsPublishedAgainFromTheFirstEventThenNewEventsOnce() throws Exception {
        publish(new KeyCreated(KEY, OWNER, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, Origin.TENCENT_KMS,
                ProtectionLevel.SOFTWARE, "first", KeyState.Enabled, AT));
        publish(new KeyDescriptionUpdated(KEY, "second"));
        publish(new KeyDisabled(KEY));
        awaitMessages(3);
        List<String> firstRound = eventIds(kafka.history());

        EventRepublishing.Republished republished = republishing.republish(false);

        assertThat(republished.eventsTopic()).isEqualTo("kms.events");
        assertThat(republished.auditTopic()).isNull();
        awaitMessages(6);
        assertThat(eventIds(kafka.history().subList(3, 6))).as("the same messages, in the store's order")
                .isEqualTo(firstRound);
        assertThat(auditReplays).hasValue(0);

        publish(new KeyDescriptionUpdated(KEY, "third"));
        awaitMessages(7);
        Thread.sleep(300); // time enough for a wrong second delivery
        assertThat(kafka.history()).hasSize(7);
    }

    @Test
    void theAuditStreamStartsOverOnlyWhenAskedFor() {
        EventRepublishing.Republished republished = republishing.republish(true);

        assertThat(republished.auditTopic()).isEqualTo("kms.audit");
        assertThat(auditReplays).hasValue(1);
    }

    @Test
    void whileAnotherNodeHoldsTheTokenNothingIsResetAndPublishingGoesOn() throws Exception {
        publish(new KeyCreated(KEY, OWNER, KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT, Origin.TENCENT_KMS,
                ProtectionLevel.SOFTWARE, "first", KeyState.Enabled, AT));
        awaitMessages(1);
        tokens.claimedElsewhere.set(true);

        assertThatThrownBy(() -> republishing.republish(true)).isInstanceOf(EventRepublishing.ClaimedElsewhere.class)
                .hasMessageContaining("another node");

        assertThat(auditReplays).hasValue(0);
        tokens.claimedElsewhere.set(false); // the other node lets go: this one publishes from where it was
        publish(new KeyDisabled(KEY));
        awaitMessages(2);
        Thread.sleep(300);
        assertThat(kafka.history()).hasSize(2);
    }

    private void publish(Object payload) {
        axon.eventStore().publish(new GenericDomainEventMessage<>("Cmk", KEY.value(), nextSequence++, payload));
    }

    private void awaitMessages(int count) {
        await().atMost(PATIENCE).until(() -> kafka.history().size() >= count);
    }

    private static List<String> eventIds(List<ProducerRecord<String, byte[]>> records) throws Exception {
        List<String> ids = new ArrayList<>();
        for (ProducerRecord<String, byte[]> record : records) {
            JsonNode message = JSON.readTree(record.value());
            ids.add(message.path("eventId").asText());
        }
        return ids;
    }

    /** An in-memory token store whose tokens another node may hold, as the JDBC one refuses them then. */
    private static final class ClaimableTokenStore extends InMemoryTokenStore {
        private final AtomicBoolean claimedElsewhere = new AtomicBoolean();

        @Override
        public TrackingToken fetchToken(String processorName, int segment) {
            if (claimedElsewhere.get()) {
                throw new UnableToClaimTokenException("claimed by another node");
            }
            return super.fetchToken(processorName, segment);
        }
    }
}
