package org.opencmk.kms.server.protocol;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.opencmk.kms.server.account.Caller;
import reactor.core.publisher.Mono;

/**
 * One action of the API: its name, its request record (bound strictly from the JSON body), how it
 * is answered, and where it may run.
 *
 * @param requestedKey the key id or alias the request names, for the audit record of a call that
 *     failed before a key was resolved (may return null); a success records the key its result
 *     names instead (see {@link org.opencmk.kms.server.audit.AuditSubject})
 * @param execution whether the handler may run on a Netty event loop
 */
public record Action<R>(String name, Class<R> requestType, BiFunction<Caller, R, Mono<?>> handler,
                        Function<R, String> requestedKey, Execution execution) {

    /** Where a handler runs. */
    public enum Execution {
        /**
         * CPU-only work on in-memory state (the key view, cached material, credentials): runs on
         * the event loop that read the request, with no thread hop on the hot path.
         */
        EVENT_LOOP,
        /**
         * CPU-only but costly: a private-key or elliptic-curve operation (an RSA-2048 signature
         * takes milliseconds). Runs on the bounded compute scheduler, one thread per core, so that
         * a flood of them queues there rather than in the event loops ahead of cheap calls.
         */
        COMPUTE,
        /**
         * May touch the database or dispatch a command (Axon's {@code SimpleCommandBus} runs the
         * handler, and its JDBC work, on the caller's thread): runs on the bounded blocking
         * scheduler, never on an event loop.
         */
        BLOCKING
    }

    public static <R> Action<R> onEventLoop(String name, Class<R> requestType, BiFunction<Caller, R, Mono<?>> handler,
                                            Function<R, String> requestedKey) {
        return new Action<>(name, requestType, handler, requestedKey, Execution.EVENT_LOOP);
    }

    public static <R> Action<R> compute(String name, Class<R> requestType, BiFunction<Caller, R, Mono<?>> handler,
                                        Function<R, String> requestedKey) {
        return new Action<>(name, requestType, handler, requestedKey, Execution.COMPUTE);
    }

    public static <R> Action<R> blocking(String name, Class<R> requestType, BiFunction<Caller, R, Mono<?>> handler,
                                         Function<R, String> requestedKey) {
        return new Action<>(name, requestType, handler, requestedKey, Execution.BLOCKING);
    }

    @SuppressWarnings("unchecked")
    Mono<?> handle(Caller caller, Object request) {
        return handler.apply(caller, (R) request);
    }

    @SuppressWarnings("unchecked")
    String requestedKey(Object request) {
        return requestedKey.apply((R) request);
    }
}
