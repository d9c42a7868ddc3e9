package org.opencmk.kms.audit.web;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.opencmk.kms.audit.chain.ChainHead;
import org.opencmk.kms.audit.chain.ChainStore;
import org.opencmk.kms.audit.kafka.AuditTopicsConsumer;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The HTTP API: {@code GET /records} (queries) and {@code GET /chain/head}. Plain JSON. Every
 * database call runs on the bounded JDBC scheduler, never on a Netty event loop.
 */
@RestController
public class AuditQueryController {

    private final RecordQueries queries;
    private final ChainStore store;
    private final AuditTopicsConsumer consumer;
    private final Scheduler jdbc;

    public AuditQueryController(RecordQueries queries, ChainStore store, AuditTopicsConsumer consumer, Scheduler jdbcScheduler) {
        this.queries = queries;
        this.store = store;
        this.consumer = consumer;
        this.jdbc = jdbcScheduler;
    }

    /** {@code GET /records}'s answer. */
    public record Records(String order, int limit, int offset, List<RecordQueries.Entry> records) {
    }

    /** One chain in {@code GET /chain/head}. */
    public record Head(String topic, int partition, long entries, Long lastOffset, long nextOffset, String head,
            long duplicatesSkipped) {
    }

    /** {@code GET /chain/head}'s answer: each chain's head, their digest, and the consumer's state. */
    public record Heads(List<Head> chains, String digest, AuditTopicsConsumer.Status consumer) {
    }

    @GetMapping("/records")
    public Mono<Records> records(
            @RequestParam(required = false) String keyId,
            @RequestParam(required = false) String accountId,
            @RequestParam(required = false) String secretId,
            @RequestParam(required = false) String action,
            @RequestParam(required = false) String kind,
            @RequestParam(required = false) String from,
            @RequestParam(required = false) String to,
            @RequestParam(required = false) String limit,
            @RequestParam(required = false) String offset,
            @RequestParam(required = false) String order) {
        boolean newestFirst = order == null || order.equals("newest");
        if (!newestFirst && !order.equals("oldest")) {
            throw new BadQuery("order is newest (the default) or oldest");
        }
        if (kind != null && !kind.equals("audit") && !kind.equals("event")) {
            throw new BadQuery("kind is audit or event");
        }
        RecordQuery query = new RecordQuery(blankToNull(keyId), number("accountId", accountId), blankToNull(secretId),
                blankToNull(action), kind, time("from", from), time("to", to),
                bounded("limit", limit, RecordQuery.DEFAULT_LIMIT, 1, RecordQuery.MAX_LIMIT),
                bounded("offset", offset, 0, 0, Integer.MAX_VALUE), newestFirst);
        return blocking(() -> new Records(newestFirst ? "newest first" : "oldest first", query.limit(), query.offset(),
                queries.find(query)));
    }

    @GetMapping("/chain/head")
    public Mono<Heads> head() {
        return blocking(() -> {
            List<ChainHead> heads = store.heads();
            return new Heads(heads.stream().map(h -> new Head(h.chain().topic(), h.chain().partition(), h.entries(),
                    h.lastOffset(), h.nextOffset(), h.headHex(), h.duplicates())).toList(),
                    ChainHead.digest(heads), consumer.status());
        });
    }

    private <T> Mono<T> blocking(Callable<T> call) {
        return Mono.fromCallable(call).subscribeOn(jdbc);
    }

    /** A query parameter that is not what it should be: 400 with the reason. */
    static final class BadQuery extends RuntimeException {
        BadQuery(String message) {
            super(message, null, false, false);
        }
    }

    @ExceptionHandler(BadQuery.class)
    public ResponseEntity<Map<String, String>> badQuery(BadQuery e) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", e.getMessage()));
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }

    private static Long number(String name, String text) {
        if (blankToNull(text) == null) {
            return null;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new BadQuery(name + " is a number");
        }
    }

    private static int bounded(String name, String text, int fallback, int min, int max) {
        Long value = number(name, text);
        if (value == null) {
            return fallback;
        }
        if (value < min || value > max) {
            throw new BadQuery(name + " is from " + min + " to " + max);
        }
        return value.intValue();
    }

    /** ISO-8601 with an offset: {@code 2026-11-30T17:31:02Z}, {@code 2026-11-30T19:31:02+02:00}. */
    private static Instant time(String name, String text) {
        if (blankToNull(text) == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw new BadQuery(name + " is an ISO-8601 time with an offset, e.g. 2026-11-30T17:31:02Z");
        }
    }
}
