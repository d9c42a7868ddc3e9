package org.opencmk.kms.server.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The one place every API call passes once it is answered (ROADMAP "Seams to leave now"): who
 * called, which action, the key and version the call resolved, and how it ended. Never receives
 * plaintext, key material, tokens or secrets: only identifiers and the outcome code.
 *
 * <p>Each call is one JSON object on one line of the {@code kms.audit} logger, so no value a
 * caller chose (an action name, an alias) can forge or split a line: JSON escapes every control
 * character. Caller-chosen values are also cut to {@value #MAX_CALLER_TEXT} characters.
 *
 * <p>Lines are written by one writer thread, never by the event loop that answered the call
 * (writing a log file is blocking I/O). {@link #record} completes once the record is accepted;
 * durable audit will complete it once the record is committed.
 */
@Component
public class ApiCallLog implements DisposableBean {

    /** The outcome of a call that succeeded; otherwise the outcome is the error code. */
    public static final String SUCCESS = "Success";
    static final int MAX_CALLER_TEXT = 128;
    /**
     * How often the writer drains the pending records. Producers never wake it: a wake-up per
     * call (a futex system call, and a context switch on a busy machine) cost the hot path more
     * than the record itself.
     */
    private static final long DRAIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private static final Logger log = LoggerFactory.getLogger("kms.audit");
    private static final ObjectMapper JSON = JsonMapper.builder()
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    /**
     * One finished API call. Every field but {@code requestId}, {@code outcome} and {@code micros}
     * may be null.
     *
     * @param action the action as the caller named it (it may not exist)
     * @param requestedKey what a failed call named (a key id or alias, as sent), when no key was
     *     resolved
     * @param subject what a successful call resolved and acted on
     */
    public record ApiCall(String requestId, String action, Long accountId, String secretId, String requestedKey,
                          @JsonUnwrapped AuditSubject subject, String outcome, long micros) {
        public ApiCall {
            action = callerText(action);
            secretId = callerText(secretId);
            requestedKey = callerText(requestedKey);
        }
    }

    private final Queue<ApiCall> pending = new ConcurrentLinkedQueue<>();
    private final Thread writer;
    private volatile boolean running = true;

    public ApiCallLog() {
        writer = new Thread(this::writeLoop, "kms-audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    /** Accepts one call's record; never blocks the calling thread. */
    public Mono<Void> record(ApiCall call) {
        if (log.isInfoEnabled()) {
            pending.add(call);
        }
        return Mono.empty();
    }

    private void writeLoop() {
        while (running || !pending.isEmpty()) {
            ApiCall call;
            while ((call = pending.poll()) != null) {
                write(call);
            }
            LockSupport.parkNanos(this, DRAIN_INTERVAL_NANOS);
        }
    }

    private static void write(ApiCall call) {
        try {
            log.info(JSON.writeValueAsString(call));
        } catch (JsonProcessingException | RuntimeException e) {
            log.warn("Cannot write the audit record of request {}", call.requestId(), e);
        }
    }

    /** Writes what is still pending, then stops the writer. */
    @Override
    public void destroy() throws InterruptedException {
        running = false;
        LockSupport.unpark(writer);
        writer.join(TimeUnit.SECONDS.toMillis(5));
    }

    private static String callerText(String text) {
        return text == null || text.length() <= MAX_CALLER_TEXT ? text : text.substring(0, MAX_CALLER_TEXT) + "…";
    }
}
