package org.opencmk.kms.server.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Every log record of the test JVM while attached (all servers in it log through one Logback),
 * as AuditLineIT reads the {@code kms.audit} logger: to find a call's audit line by its RequestId,
 * and to search every line for what must never be logged.
 */
public final class LogCapture implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    public static LogCapture start() {
        LogCapture capture = new LogCapture();
        capture.appender.start();
        capture.root.addAppender(capture.appender);
        return capture;
    }

    /** The audit line of the call with this RequestId (the writer is asynchronous: waits for it). */
    public JsonNode auditLine(String requestId) throws Exception {
        Instant giveUp = Instant.now().plus(PATIENCE);
        while (Instant.now().isBefore(giveUp)) {
            for (ILoggingEvent event : events()) {
                if ("kms.audit".equals(event.getLoggerName())) {
                    JsonNode parsed = JSON.readTree(event.getFormattedMessage());
                    if (requestId.equals(parsed.path("requestId").asText())) {
                        return parsed;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no audit line for request " + requestId);
    }

    /** Every record so far, each as its message and any exception's messages. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : events()) {
            StringBuilder line = new StringBuilder(event.getFormattedMessage());
            for (IThrowableProxy thrown = event.getThrowableProxy(); thrown != null; thrown = thrown.getCause()) {
                line.append(" | ").append(thrown.getClassName()).append(": ").append(thrown.getMessage());
            }
            lines.add(line.toString());
        }
        return lines;
    }

    private List<ILoggingEvent> events() {
        synchronized (appender) { // the appender appends under its own monitor
            return List.copyOf(appender.list);
        }
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
