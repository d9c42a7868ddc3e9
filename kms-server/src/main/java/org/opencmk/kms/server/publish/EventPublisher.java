package org.opencmk.kms.server.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventsourcing.eventstore.EventStore;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.query.keyview.KeyView;

/**
 * Publishes every event of the event store to the events topic, in the store's order, from a
 * tracking processor of its own ({@value #PROCESSOR}) whose token (its published position) Axon
 * keeps in {@code tokenentry}: a restart resumes where publishing stopped, and of several nodes
 * one publishes (the token's claim). Each event is sent and acknowledged before the processor
 * moves on; a Kafka outage makes the send fail, the processor's batch fail, and Axon retry it with
 * a growing back-off: publishing waits, nothing is lost, no API call waits for it. An event sent
 * again after a failure is the same message (its {@code eventId}); consumers recognise it.
 */
@ProcessingGroup(EventPublisher.PROCESSOR)
final class EventPublisher implements AutoCloseable {

    static final String PROCESSOR = "kms-kafka-events";
    private static final String SENDS = EventPublisher.class.getName() + ".sends";

    private final OrderedSender producer;
    private final String topic;
    private final PublishedEvents events;
    private final Duration acknowledgedWithin;

    /** @param acknowledgedWithin how long a batch waits for Kafka's acknowledgements before it fails, to be retried */
    EventPublisher(OrderedSender producer, String topic, KeyView view, EventStore eventStore,
                   Duration acknowledgedWithin) {
        this.producer = producer;
        this.topic = topic;
        this.acknowledgedWithin = acknowledgedWithin;
        this.events = new PublishedEvents(keyId -> view.ownerOf(keyId).or(() -> ownerInHistory(eventStore, keyId)));
    }

    /**
     * Sends the event without waiting; the batch the processor handles commits its token only
     * once Kafka acknowledged every event of it (the wait is registered on the batch's unit of
     * work), so a batch costs one round trip, not one per event.
     */
    @EventHandler
    void on(Object payload, DomainEventMessage<?> event) {
        PublishedEvents.Message message = events.of(event);
        UnitOfWork<?> batch = CurrentUnitOfWork.get().root();
        List<Future<RecordMetadata>> sends = batch.getOrComputeResource(SENDS, name -> {
            List<Future<RecordMetadata>> pending = new ArrayList<>();
            producer.beginBatch();
            batch.onPrepareCommit(unit -> OrderedSender.awaitAcknowledgements(pending, acknowledgedWithin,
                    "Kafka did not acknowledge the events; the batch is retried"));
            // Nothing of a failed batch may reach Kafka after its retry has begun.
            batch.onRollback(unit -> producer.abandonBatch());
            return pending;
        });
        sends.add(producer.send(new ProducerRecord<>(topic, message.kafkaKey(), message.value())));
    }

    /** Sends what is still pending, then closes the producer; the processor has stopped by then. */
    @Override
    public void close() {
        producer.close();
    }

    /** A deleted key's owner, from its first event. */
    private static Optional<AccountId> ownerInHistory(EventStore eventStore, KeyId keyId) {
        List<Object> first = new ArrayList<>(1);
        eventStore.readEvents(keyId.value()).asStream().limit(1).forEach(e -> first.add(e.getPayload()));
        return first.isEmpty() || !(first.get(0) instanceof KeyCreated created)
                ? Optional.empty() : Optional.of(created.account());
    }
}
