package org.opencmk.kms.command;

import java.util.ArrayList;
import java.util.List;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventBus;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventsourcing.EventSourcingRepository;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.messaging.Message;
import org.axonframework.modelling.command.Repository;

/**
 * A real in-memory event store and repository for a second aggregate type, next to the one an
 * {@code AggregateTestFixture} tests.
 *
 * <p>Why not a repository on {@code fixture.getEventStore()}: the fixture's event store holds one
 * aggregate instance only. Reading another identifier fails ("The aggregate identifier used in the
 * 'when' step does not resemble…"), and so does appending a second aggregate's events ("Writing
 * events for an unexpected aggregate"). The handlers under test change a CMK and an account's
 * alias registry in one unit of work, so the second aggregate type lives here instead. The
 * events this store appends are mirrored into the fixture as plain event messages, in the order
 * of the unit of work, so that {@code expectEvents} sees every event the command caused.
 */
public final class SecondAggregateStore<A> implements AutoCloseable {

    private final String aggregateType;
    private final InMemoryEventStorageEngine storage = new InMemoryEventStorageEngine();
    private final EmbeddedEventStore eventStore = EmbeddedEventStore.builder().storageEngine(storage).build();
    private final Repository<A> repository;

    /** A store on its own, whose events no fixture sees. */
    public SecondAggregateStore(Class<A> aggregateType) {
        this.aggregateType = aggregateType.getSimpleName();
        this.repository = EventSourcingRepository.builder(aggregateType).eventStore(eventStore).build();
    }

    /** A store whose appended events {@code fixtureEvents} records too, once they are appended here. */
    public SecondAggregateStore(Class<A> aggregateType, EventBus fixtureEvents) {
        this(aggregateType);
        eventStore.subscribe(appended -> fixtureEvents.publish(appended.stream()
                .map(event -> GenericEventMessage.asEventMessage(event.getPayload()))
                .toList()));
    }

    public Repository<A> repository() {
        return repository;
    }

    /** History the aggregate had before the test; it is not mirrored into the fixture. */
    public void given(String aggregateIdentifier, Object... events) {
        long sequence = storage.lastSequenceNumberFor(aggregateIdentifier).map(last -> last + 1).orElse(0L);
        List<DomainEventMessage<?>> messages = new ArrayList<>();
        for (Object event : events) {
            messages.add(new GenericDomainEventMessage<>(aggregateType, aggregateIdentifier, sequence++, event));
        }
        storage.appendEvents(messages);
    }

    /** Every event of the aggregate, given or appended by the test, oldest first. */
    public List<Object> events(String aggregateIdentifier) {
        return storage.readEvents(aggregateIdentifier).asStream().<Object>map(Message::getPayload).toList();
    }

    @Override
    public void close() {
        eventStore.shutDown();
    }
}
