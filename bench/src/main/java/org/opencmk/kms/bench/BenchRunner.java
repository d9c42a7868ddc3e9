package org.opencmk.kms.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark: starts the server on its embedded defaults, measures on loopback with bounded
 * durations, prints a table and, as its last line, one JSON object with every figure.
 *
 * <pre>
 *   bench/run.sh [--quick] [--skip-jmh]
 * </pre>
 *
 * Figures: the HTTP hot path at concurrency 1, 16 and 64 against its ceiling (ListAlgorithms:
 * authenticated, throttled, routed and answered in JSON like every call, touching no key);
 * CreateKey commands per second and key-view replay speed over 100,000+ events; cold and warm
 * start; the crypto engine against the bare cipher (JMH).
 */
public final class BenchRunner {

    private static final int[] CONCURRENCY = {1, 16, 64};
    private static final long REPLAY_EVENTS = 100_000;
    /** Each CreateKey of a KMS-origin key writes two events: KeyCreated and KeyVersionCreated. */
    private static final int EVENTS_PER_CREATE = 2;
    private static final Duration MAX_FILL = Duration.ofMinutes(4);

    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final List<String> table = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        boolean skipJmh = List.of(args).contains("--skip-jmh");
        new BenchRunner().run(Path.of("kms-server/target/kms-server.jar"), quick, skipJmh);
    }

    private void run(Path jar, boolean quick, boolean skipJmh) throws Exception {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run ./mvnw -DskipTests package first");
        }
        Duration duration = Duration.ofSeconds(quick ? 3 : 8);
        figures.put("date", LocalDate.now().toString());
        figures.put("cores", Runtime.getRuntime().availableProcessors());
        Path dataDir = Files.createTempDirectory("kms-bench-");
        int port = freePort();
        Tc3Client client = new Tc3Client("127.0.0.1:" + port, ServerProcess.SECRET_ID, ServerProcess.SECRET_KEY);
        Map<String, String> settings = Map.of(
                "KMS_THROTTLE_REQUESTS_PER_SECOND", "100000000",
                "KMS_THROTTLE_BURST", "100000000");
        try (ServerProcess server = new ServerProcess(jar, dataDir, port, settings)) {
            startUp(server, client);
            hotPath(client, new Wrk(dataDir), duration);
            eventStore(server, client, new Wrk(dataDir), duration, quick);
        }
        // kept when a step failed: the server logs in it say why
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        if (!skipJmh) {
            figures.putAll(CryptoEngineBench.run(quick));
            table.add(String.format(Locale.ROOT, "%-34s %12s", "crypto engine overhead at 4 KB", ""));
            for (String algorithm : List.of("aes_256_gcm", "sm4_gcm")) {
                Object overhead = figures.get("crypto_" + algorithm + "_4096_overhead");
                table.add(String.format(Locale.ROOT, "  %-32s %11.1f %%", algorithm,
                        overhead instanceof Number n ? n.doubleValue() * 100 : Double.NaN));
            }
        }
        table.forEach(System.out::println);
        System.out.println(new ObjectMapper().writeValueAsString(figures));
    }

    private void startUp(ServerProcess server, Tc3Client client) throws Exception {
        double cold = server.start(client);
        server.stop();
        double warm = server.start(client);
        figures.put("cold_start_s", round(cold));
        figures.put("warm_start_s", round(warm));
        table.add(String.format(Locale.ROOT, "%-34s %8.2f s", "start-up, cold (empty data dir)", cold));
        table.add(String.format(Locale.ROOT, "%-34s %8.2f s", "start-up, warm", warm));
    }

    private void hotPath(Tc3Client client, Wrk wrk, Duration duration) throws Exception {
        String keyId = client.call("CreateKey", "{\"Alias\":\"bench\"}").path("KeyId").asText();
        String small = Base64.getEncoder().encodeToString(new byte[32]);
        String large = Base64.getEncoder().encodeToString(new byte[4096]);
        String smallBlob = client.call("Encrypt", encrypt(keyId, small)).path("CiphertextBlob").asText();
        String largeBlob = client.call("Encrypt", encrypt(keyId, large)).path("CiphertextBlob").asText();
        Map<String, String[]> scenarios = new LinkedHashMap<>();
        scenarios.put("ceiling", new String[] {"ListAlgorithms", "{}"});
        scenarios.put("encrypt_32", new String[] {"Encrypt", encrypt(keyId, small)});
        scenarios.put("encrypt_4k", new String[] {"Encrypt", encrypt(keyId, large)});
        scenarios.put("decrypt_32", new String[] {"Decrypt", "{\"CiphertextBlob\":\"" + smallBlob + "\"}"});
        scenarios.put("decrypt_4k", new String[] {"Decrypt", "{\"CiphertextBlob\":\"" + largeBlob + "\"}"});
        scenarios.put("generate_data_key", new String[] {"GenerateDataKey", "{\"KeyId\":\"" + keyId + "\",\"KeySpec\":\"AES_256\"}"});
        scenarios.put("generate_random_32", new String[] {"GenerateRandom", "{\"NumberOfBytes\":32}"});

        // one short run of everything first: the JIT compiles the hot path before anything counts
        for (String[] scenario : scenarios.values()) {
            wrk.run(client, scenario[0], scenario[1], 16, Duration.ofSeconds(2));
        }
        table.add(String.format(Locale.ROOT, "%-20s %5s %12s %10s %10s %8s", "HTTP action", "conc", "ops/s", "p50 ms", "p99 ms", "errors"));
        for (int concurrency : CONCURRENCY) {
            for (Map.Entry<String, String[]> scenario : scenarios.entrySet()) {
                Wrk.Result result = wrk.run(client, scenario.getValue()[0], scenario.getValue()[1], concurrency, duration);
                String name = scenario.getKey() + "_c" + concurrency;
                figures.put(name + "_ops", round(result.opsPerSecond()));
                figures.put(name + "_p50_ms", round(result.p50Millis()));
                figures.put(name + "_p99_ms", round(result.p99Millis()));
                figures.put(name + "_errors", result.errors());
                table.add(String.format(Locale.ROOT, "%-20s %5d %12.0f %10.2f %10.2f %8d", scenario.getKey(), concurrency,
                        result.opsPerSecond(), result.p50Millis(), result.p99Millis(), result.errors()));
            }
        }
        // the headline figures the targets name
        figures.put("encrypt_4k_ops", figures.get("encrypt_4k_c64_ops"));
        figures.put("ceiling_ops", figures.get("ceiling_c64_ops"));
        double ratio = ((Number) figures.get("encrypt_4k_c64_ops")).doubleValue() / ((Number) figures.get("ceiling_c64_ops")).doubleValue();
        figures.put("encrypt_4k_ratio", round(ratio));
        figures.put("encrypt_4k_p99_c16_ms", figures.get("encrypt_4k_c16_p99_ms"));
        table.add(String.format(Locale.ROOT, "%-34s %8.2f", "Encrypt-4KB / ceiling at c64", ratio));
    }

    private void eventStore(ServerProcess server, Tc3Client client, Wrk wrk, Duration duration, boolean quick) throws Exception {
        Wrk.Result creates = wrk.run(client, "CreateKey", "{}", 16, duration);
        figures.put("create_key_c16_ops", round(creates.opsPerSecond()));
        figures.put("create_key_c16_p99_ms", round(creates.p99Millis()));
        figures.put("create_key_c16_errors", creates.errors());
        table.add(String.format(Locale.ROOT, "%-34s %8.0f /s (p99 %.1f ms)", "CreateKey commands, c16",
                creates.opsPerSecond(), creates.p99Millis()));

        long target = quick ? REPLAY_EVENTS / 10 : REPLAY_EVENTS;
        long events = client.call("ListKeys", "{\"Limit\":0}").path("TotalCount").asLong() * EVENTS_PER_CREATE;
        while (events < target) {
            long seconds = Math.max(5, Math.min(MAX_FILL.toSeconds(),
                    (long) ((target - events) / EVENTS_PER_CREATE / Math.max(creates.opsPerSecond(), 100)) + 5));
            wrk.run(client, "CreateKey", "{}", 16, Duration.ofSeconds(seconds));
            events = client.call("ListKeys", "{\"Limit\":0}").path("TotalCount").asLong() * EVENTS_PER_CREATE;
        }
        server.stop();
        double warmWithEvents = server.start(client);
        long[] rebuild = server.lastRebuild();
        double perSecond = rebuild[0] / Math.max(rebuild[1] / 1000.0, 0.001);
        figures.put("replay_events", rebuild[0]);
        figures.put("replay_events_per_s", round(perSecond));
        figures.put("warm_start_with_replay_s", round(warmWithEvents));
        table.add(String.format(Locale.ROOT, "%-34s %8.0f events/s (%d events in %d ms)", "key view replay",
                perSecond, rebuild[0], rebuild[1]));
        table.add(String.format(Locale.ROOT, "%-34s %8.2f s", "start-up, warm, with those events", warmWithEvents));
    }

    private static String encrypt(String keyId, String plaintext) {
        return "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"" + plaintext + "\"}";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
