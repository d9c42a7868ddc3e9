package org.opencmk.kms.server.protocol;

import java.time.Instant;
import java.util.List;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.query.keyview.ViewComparison;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.projection.ProjectionRebuild;
import org.opencmk.kms.server.publish.EventRepublishing;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Replaying the event history (issue 15, part 4; extensions): RebuildProjections rebuilds the key
 * view from the event store while the service answers, GetProjectionStatus tells how the last
 * rebuild went, RepublishEvents sends the whole history to Kafka again. Administrative
 * credentials only; every other caller is refused with {@code UnauthorizedOperation}, as for
 * {@link AccountActions}.
 */
@Component
class ProjectionActions implements ActionSet {

    record RebuildProjectionsRequest(Boolean dryRun) { }
    record NoRequest() { }
    record RepublishEventsRequest(Boolean includeAuditRecords) { }

    /** @param started false when a rebuild was already running: this is that one */
    record RebuildProjectionsResponse(String taskId, String state, boolean started) { }

    /**
     * The last rebuild; times in Unix seconds, 0 when none. The counts, {@code Equal} and the
     * differences are there once it succeeded.
     */
    record ProjectionStatusResponse(String taskId, String state, boolean dryRun, long startTime, long endTime,
                                    long eventsRead, Long keyCount, Long deletedKeyCount, Long aliasCount,
                                    Boolean equal, Long differenceCount, List<String> differences, boolean installed,
                                    String message) { }

    /** @param auditTopic null unless the audit records were asked for too */
    record RepublishEventsResponse(String eventsTopic, String auditTopic) { }

    private final ProjectionRebuild rebuild;
    private final ObjectProvider<EventRepublishing> republishing;

    ProjectionActions(ProjectionRebuild rebuild, ObjectProvider<EventRepublishing> republishing) {
        this.rebuild = rebuild;
        this.republishing = republishing;
    }

    @Override
    public List<Action<?>> actions() {
        return List.of(
                // Blocking as every administrative action is, though it only starts a thread and answers.
                Action.blocking("RebuildProjections", RebuildProjectionsRequest.class, this::rebuildProjections,
                        r -> null),
                // A volatile read: nothing to wait for.
                Action.onEventLoop("GetProjectionStatus", NoRequest.class, this::projectionStatus, r -> null),
                // Waits for the publisher to stop (its batch in flight) and for its token in the database.
                Action.blocking("RepublishEvents", RepublishEventsRequest.class, this::republishEvents, r -> null));
    }

    private Mono<?> rebuildProjections(Caller caller, RebuildProjectionsRequest r) {
        return Mono.fromCallable(() -> {
            requireAdmin(caller);
            ProjectionRebuild.Start start = rebuild.start(Boolean.TRUE.equals(r.dryRun()));
            return new RebuildProjectionsResponse(start.status().taskId(), start.status().state().wireName(),
                    start.started());
        });
    }

    private Mono<?> projectionStatus(Caller caller, NoRequest r) {
        return Mono.fromCallable(() -> {
            requireAdmin(caller);
            ProjectionRebuild.Status status = rebuild.status();
            ViewComparison comparison = status.comparison();
            return new ProjectionStatusResponse(status.taskId(), status.state().wireName(), status.dryRun(),
                    seconds(status.startedAt()), seconds(status.finishedAt()), status.eventsRead(),
                    comparison == null ? null : comparison.keys(),
                    comparison == null ? null : comparison.deletedKeys(),
                    comparison == null ? null : comparison.aliases(),
                    comparison == null ? null : comparison.equal(),
                    comparison == null ? null : comparison.differenceCount(),
                    comparison == null ? null : comparison.differences(),
                    status.installed(), status.failure());
        });
    }

    private Mono<?> republishEvents(Caller caller, RepublishEventsRequest r) {
        return Mono.fromCallable(() -> {
            requireAdmin(caller);
            EventRepublishing events = republishing.getIfAvailable();
            if (events == null) {
                throw new ProtocolException(ErrorCode.UNSUPPORTED_OPERATION, "events are not published to Kafka on "
                        + "this server (KMS_KAFKA_BOOTSTRAP_SERVERS is not set): there is nothing to republish");
            }
            try {
                EventRepublishing.Republished republished = events.republish(Boolean.TRUE.equals(r.includeAuditRecords()));
                return new RepublishEventsResponse(republished.eventsTopic(), republished.auditTopic());
            } catch (EventRepublishing.ClaimedElsewhere e) {
                throw new ProtocolException(ErrorCode.RESOURCE_IN_USE, e.getMessage());
            }
        });
    }

    private static void requireAdmin(Caller caller) {
        if (!caller.admin()) {
            throw new KmsException(KmsError.UNAUTHORIZED_OPERATION, "only an administrative credential may do this");
        }
    }

    private static long seconds(Instant time) {
        return time == null ? 0 : time.getEpochSecond();
    }
}
