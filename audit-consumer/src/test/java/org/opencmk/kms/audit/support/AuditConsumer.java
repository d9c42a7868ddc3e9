package org.opencmk.kms.audit.support;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.opencmk.kms.audit.AuditConsumerApplication;
import org.opencmk.kms.audit.VerifyCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The audit consumer as {@code java -jar} runs it, in this JVM, on a free loopback port, with the
 * given {@code audit.*} settings; and its {@code verify} command, run in this JVM too.
 */
public final class AuditConsumer implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    // HTTP/1.1, as the consumer speaks: the JDK client's default HTTP/2 would offer an h2c upgrade on each new connection.
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Map<String, String> settings;
    private ConfigurableApplicationContext context;
    private int port;

    private AuditConsumer(Map<String, String> settings) {
        this.settings = new LinkedHashMap<>(settings);
    }

    public static AuditConsumer start(Map<String, String> settings) {
        AuditConsumer consumer = new AuditConsumer(settings);
        consumer.start();
        return consumer;
    }

    public synchronized void start() {
        BlockingCalls.install();
        // The tests stop the broker and the database on purpose: no warning of each retry by the Kafka clients.
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--logging.level.org.apache.kafka=ERROR"));
        settings.forEach((key, value) -> args.add("--" + key + "=" + value));
        context = SpringApplication.run(AuditConsumerApplication.class, args.toArray(String[]::new));
        port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    public synchronized void stop() {
        if (context != null) {
            context.close();
            context = null;
        }
        BlockingCalls.requireNone();
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public int port() {
        return port;
    }

    public String address() {
        return context.getEnvironment().getProperty("server.address");
    }

    /**
     * {@code GET path} on the consumer's HTTP API: the status and the JSON answer. A request with no
     * answer in 30 s fails with what the consumer's threads were doing and the port's sockets.
     */
    public Answer get(String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(30)).GET().build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), JSON.readTree(response.body()));
        } catch (HttpTimeoutException e) {
            throw new IllegalStateException("GET " + pathAndQuery + " had no answer in 30 s; then:\n" + threads()
                    + sockets(port), e);
        } catch (Exception e) {
            throw new IllegalStateException("GET " + pathAndQuery, e);
        }
    }

    public record Answer(int status, JsonNode body) {
    }

    /** What the server's event loops, the client's threads and the JDBC threads were doing. */
    private static String threads() {
        StringBuilder text = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, frames) -> {
            String name = thread.getName();
            if (name.startsWith("webflux-http") || name.startsWith("HttpClient") || name.startsWith("audit-jdbc")) {
                text.append(name).append(' ').append(thread.getState()).append('\n');
                for (int i = 0; i < Math.min(frames.length, 25); i++) {
                    text.append("    at ").append(frames[i]).append('\n');
                }
            }
        });
        return text.toString();
    }

    /** The TCP sockets on the consumer's port, with their queues ({@code ss}), where the machine has it. */
    private static String sockets(int port) {
        try {
            Process ss = new ProcessBuilder("ss", "-tan").redirectErrorStream(true).start();
            String all = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            StringBuilder text = new StringBuilder("sockets on port ").append(port).append(":\n");
            all.lines().filter(line -> line.contains(":" + port + " ")).forEach(line -> text.append(line).append('\n'));
            return text.toString();
        } catch (Exception e) {
            return "no ss: " + e + "\n";
        }
    }

    /** {@code GET /chain/head}'s chains as "topic/partition" → head hex. */
    public Map<String, String> heads() {
        Map<String, String> heads = new LinkedHashMap<>();
        for (JsonNode chain : get("/chain/head").body().get("chains")) {
            heads.put(chain.get("topic").stringValue() + "/" + chain.get("partition").intValue(), chain.get("head").stringValue());
        }
        return heads;
    }

    /** How many entries all chains hold. */
    public long entries() {
        long entries = 0;
        for (JsonNode chain : get("/chain/head").body().get("chains")) {
            entries += chain.get("entries").longValue();
        }
        return entries;
    }

    /** {@code verify} with these settings, in this JVM: its exit code and what it printed. */
    public static Verification verify(Map<String, String> settings) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>();
        settings.forEach((key, value) -> args.add("--" + key + "=" + value));
        int exit;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            exit = VerifyCommand.run(args.toArray(String[]::new), out);
        }
        return new Verification(exit, printed.toString(StandardCharsets.UTF_8));
    }

    public Verification verify() {
        return verify(settings);
    }

    public record Verification(int exit, String output) {
    }

    @Override
    public void close() {
        stop();
    }
}
