package org.opencmk.kms.server.publish;

import java.util.Optional;
import java.util.function.Supplier;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.axonframework.messaging.StreamableMessageSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the whole event history to the events topic again (RepublishEvents), for a consumer
 * that needs it from the first event and cannot find it in the topic any more (a new read model
 * after the topic's retention dropped the oldest messages, a topic recreated). The events
 * publisher's processor is stopped on this node, its token reset to the very first event, and
 * started again: Axon hands it every event once more as a replay, then goes on with new ones, all
 * in the store's order. A message sent again is the same message (its {@code eventId}); consumers
 * that already had it recognise it.
 *
 * <p>The reset needs the processor's token, which only one node holds while it publishes: on the
 * node that publishes the reset succeeds, on another it is refused ({@link ClaimedElsewhere}) and
 * nothing changes. With {@code includeAuditRecords} the audit stream starts over from its first
 * record as well (see {@link AuditPublisher#replayFromStart}).
 *
 * <p>The processor is found when asked for, not when this object is made, so that a test can
 * hand it any tracking processor (one over an in-memory event store, with a recording handler).
 */
public final class EventRepublishing {

    private static final Logger log = LoggerFactory.getLogger(EventRepublishing.class);

    /** The events publisher's token is held by another node now: the reset must be asked there. */
    public static final class ClaimedElsewhere extends RuntimeException {
        ClaimedElsewhere(Throwable cause) {
            super("another node publishes events now; ask that node to republish them", cause);
        }
    }

    private final Supplier<Optional<TrackingEventProcessor>> processor;
    private final Runnable auditReplay;
    private final String eventsTopic;
    private final String auditTopic;

    /**
     * @param processor the events publisher's processor ({@value EventPublisher#PROCESSOR})
     * @param auditReplay makes the audit stream start over from its first record
     */
    public EventRepublishing(Supplier<Optional<TrackingEventProcessor>> processor, Runnable auditReplay,
                             String eventsTopic, String auditTopic) {
        this.processor = processor;
        this.auditReplay = auditReplay;
        this.eventsTopic = eventsTopic;
        this.auditTopic = auditTopic;
    }

    /** The topics that get their history again; {@code auditTopic} null unless it was asked for. */
    public record Republished(String eventsTopic, String auditTopic) {
    }

    /**
     * Resets the events publisher to the first event (and the audit stream, if asked) and returns
     * once it publishes again; the history itself is sent in the background. Blocks while the
     * processor finishes its batch in flight (up to Kafka's acknowledgement timeout).
     *
     * @throws ClaimedElsewhere if another node holds the events publisher's token
     */
    public synchronized Republished republish(boolean includeAuditRecords) {
        TrackingEventProcessor events = processor.get().orElseThrow(() -> new IllegalStateException(
                "the events publisher's processor " + EventPublisher.PROCESSOR + " is not configured"));
        log.info("Republishing every event to {} from the first: stopping the events publisher", eventsTopic);
        events.shutDown();
        try {
            events.resetTokens(StreamableMessageSource::createTailToken);
        } catch (UnableToClaimTokenException e) {
            log.warn("Republishing events refused: another node holds the events publisher's token");
            throw new ClaimedElsewhere(e);
        } finally {
            events.start();
        }
        log.info("The events publisher publishes every event to {} again, from the first", eventsTopic);
        if (!includeAuditRecords) {
            return new Republished(eventsTopic, null);
        }
        auditReplay.run();
        return new Republished(eventsTopic, auditTopic);
    }
}
