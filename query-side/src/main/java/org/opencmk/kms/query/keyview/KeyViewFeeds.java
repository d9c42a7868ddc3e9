package org.opencmk.kms.query.keyview;

import java.util.Optional;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;

/**
 * The two feeds of the {@link KeyView}. The processing groups' kinds (subscribing, tracking with
 * an in-memory token) are configured by the server, which owns event processing.
 */
public final class KeyViewFeeds {

    /** Subscribing: this node's events, applied once their transaction has committed. */
    public static final String LOCAL = "key-view-local";
    /** Tracking, from where the start-up rebuild stopped: every node's events. */
    public static final String TRACKING = "key-view";

    private KeyViewFeeds() {
    }

    @ProcessingGroup(LOCAL)
    public static class Local {
        private final KeyView view;

        public Local(KeyView view) {
            this.view = view;
        }

        @EventHandler
        void on(Object event, DomainEventMessage<?> message) {
            if (CurrentUnitOfWork.isStarted()) {
                // after the root unit of work commits: a rolled-back change never reaches the view
                CurrentUnitOfWork.get().afterCommit(unitOfWork -> view.apply(message));
            } else {
                view.apply(message);
            }
        }
    }

    @ProcessingGroup(TRACKING)
    public static class Tracking {
        private final KeyView view;
        private volatile TrackingToken applied;

        public Tracking(KeyView view) {
            this.view = view;
        }

        @EventHandler
        void on(Object event, DomainEventMessage<?> message, TrackingToken token) {
            view.apply(message);
            applied = token;
        }

        /**
         * The position of the last event this feed applied: every event up to it but its gaps has
         * been applied to the view (the feed applies them one by one, in the stream's order);
         * empty until it applies one.
         */
        public Optional<TrackingToken> applied() {
            return Optional.ofNullable(applied);
        }
    }
}
