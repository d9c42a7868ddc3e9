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
import java.util.Set;
import java.util.function.Supplier;

/**
 * The benchmark: starts the server on its embedded defaults, measures on loopback with bounded
 * durations, prints a table and, as its last line, one JSON object with every figure.
 *
 * <pre>
 *   bench/run.sh [--quick] [--skip-jmh] [--side-loads-only]
 *   bench/run.sh --scale [--scale-keys=N]
 * </pre>
 *
 * Figures: the HTTP hot path at concurrency 1, 16 and 64 against its ceiling (ListAlgorithms:
 * authenticated, throttled, routed and answered in JSON like every call, touching no key);
 * Encrypt 4 KB at concurrency 64 alone and beside fixed-rate side loads (CreateKey; made-up
 * SecretIds); CreateKey commands per second and key-view replay speed over 100,000+ events; cold
 * and warm start; the crypto engine against the bare cipher (JMH).
 */
public final class BenchRunner {

    private static final int[] CONCURRENCY = {1, 16, 64};
    private static final long REPLAY_EVENTS = 100_000;
    /** Each CreateKey of a KMS-origin key writes two events: KeyCreated and KeyVersionCreated. */
    private static final int EVENTS_PER_CREATE = 2;
    private static final Duration MAX_FILL = Duration.ofMinutes(4);
    private static final int SIDE_LOAD_CONCURRENCY = 64;
    /** Versions of the key in the many-versions rows (issue: "unchanged with a key of 100 versions"). */
    private static final int MANY_VERSIONS = 100;
    private static final int CREATE_KEY_PER_SECOND = 100;
    private static final int UNKNOWN_SECRET_ID_PER_SECOND = 2_000;
    /**
     * Connections of each side load: enough to keep its rate while a call takes up to 160 ms
     * (CreateKey: p99 ~120 ms at c16) or 32 ms (an unknown SecretId: as many connections as
     * Encrypt's, a flood gets its share of the server), few enough that a stalled server is not met
     * with a pile of new connections.
     */
    private static final int CREATE_KEY_CONNECTIONS = 16;
    private static final int UNKNOWN_SECRET_ID_CONNECTIONS = SIDE_LOAD_CONCURRENCY;
    /** Beside a side load, Encrypt keeps at least this share of its ops/s alone... */
    private static final double SIDE_LOAD_MIN_OPS_RATIO = 0.8;
    /** ...and at most this multiple of its p99 alone. */
    private static final double SIDE_LOAD_MAX_P99_RATIO = 2.0;
    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PROMPT = Duration.ofMillis(50);
    private static final int SETTLED_AFTER_PROMPT_CALLS = 20;
    private static final char[] ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    /**
     * How long each server of the durable-audit rows is warmed before it is measured: with 10 s the
     * JIT was still compiling the Encrypt path (p99 of 400 ms, a third of the warm rate).
     */
    private static final Duration AUDIT_WARM_UP = Duration.ofSeconds(30);

    private final Map<String, Object> figures = new LinkedHashMap<>();
    private final List<String> table = new ArrayList<>();

    /** A fixed-rate side load beside Encrypt: its name in the figures, and the answer each call must get. */
    private record SideLoad(String figure, String label, int perSecond, int connections, String expectedCode,
                            Supplier<byte[]> requests) {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = List.of(args).contains("--quick");
        boolean skipJmh = List.of(args).contains("--skip-jmh");
        // to check the side-load rows alone: one start, no hot-path table, no event store, no JMH
        boolean sideLoadsOnly = List.of(args).contains("--side-loads-only");
        // to check the key-of-100-versions rows alone
        boolean versionsOnly = List.of(args).contains("--versions-only");
        // to check the Sign and Verify rows alone
        boolean asymmetricOnly = List.of(args).contains("--asymmetric-only");
        // to check the durable audit's cost alone
        boolean auditOnly = List.of(args).contains("--audit-only");
        // to check the HSM level's rows alone
        boolean hsmOnly = List.of(args).contains("--hsm-only");
        // the server at many keys: not part of the default run (see ScaleBenchmark)
        boolean scale = List.of(args).contains("--scale");
        BenchRunner runner = new BenchRunner();
        Path jar = Path.of("kms-server/target/kms-server.jar");
        if (scale) {
            int keys = scaleKeys(args);
            runner.figures.put("date", LocalDate.now().toString());
            runner.figures.put("cores", Runtime.getRuntime().availableProcessors());
            runner.figures.put("scale_keys", keys);
            new ScaleBenchmark(jar, keys, runner.figures, runner.table).run();
            runner.table.forEach(System.out::println);
            System.out.println(new ObjectMapper().writeValueAsString(runner.figures));
            return;
        }
        if (auditOnly) {
            runner.auditOnly(jar, quick);
            return;
        }
        if (hsmOnly) {
            runner.figures.put("date", LocalDate.now().toString());
            runner.figures.put("cores", Runtime.getRuntime().availableProcessors());
            runner.hsmLevel(jar, Duration.ofSeconds(quick ? 3 : 8));
            runner.table.forEach(System.out::println);
            System.out.println(new ObjectMapper().writeValueAsString(runner.figures));
            return;
        }
        runner.run(jar, quick, skipJmh || sideLoadsOnly || versionsOnly || asymmetricOnly, sideLoadsOnly, versionsOnly,
                asymmetricOnly);
    }

    /** {@code --scale-keys=N}, else {@link ScaleBenchmark#DEFAULT_KEYS}. */
    private static int scaleKeys(String[] args) {
        for (String arg : args) {
            if (arg.startsWith("--scale-keys=")) {
                int keys = Integer.parseInt(arg.substring("--scale-keys=".length()));
                if (keys < 1) {
                    throw new IllegalArgumentException("--scale-keys must be at least 1");
                }
                return keys;
            }
        }
        return ScaleBenchmark.DEFAULT_KEYS;
    }

    private void auditOnly(Path jar, boolean quick) throws Exception {
        figures.put("date", LocalDate.now().toString());
        figures.put("cores", Runtime.getRuntime().availableProcessors());
        durableAuditCost(jar, Duration.ofSeconds(quick ? 3 : 8));
        table.forEach(System.out::println);
        System.out.println(new ObjectMapper().writeValueAsString(figures));
    }

    private void run(Path jar, boolean quick, boolean skipJmh, boolean sideLoadsOnly, boolean versionsOnly,
            boolean asymmetricOnly) throws Exception {
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
            if (versionsOnly) {
                server.start(client);
                manyVersions(client, new Wrk(dataDir), duration);
            } else if (asymmetricOnly) {
                server.start(client);
                signAndVerify(client, new Wrk(dataDir), duration);
            } else if (sideLoadsOnly) {
                server.start(client);
            } else {
                startUp(server, client);
                hotPath(client, new Wrk(dataDir), duration);
                manyVersions(client, new Wrk(dataDir), duration);
                signAndVerify(client, new Wrk(dataDir), duration);
            }
            if (!versionsOnly && !asymmetricOnly) {
                besideSideLoads(client, new Wrk(dataDir), duration, Duration.ofSeconds(quick ? 1 : 2));
            }
            if (!sideLoadsOnly && !versionsOnly && !asymmetricOnly) {
                eventStore(server, client, new Wrk(dataDir), duration, quick);
            }
        }
        if (!sideLoadsOnly && !versionsOnly && !asymmetricOnly) {
            durableAuditCost(jar, duration);
            hsmLevel(jar, duration);
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
            table.add(String.format(Locale.ROOT, "%-34s %12s", "asymmetric engine overhead", ""));
            for (Map.Entry<String, Object> figure : List.copyOf(figures.entrySet())) {
                String name = figure.getKey();
                if (name.startsWith("asym_") && name.endsWith("_overhead")) {
                    table.add(String.format(Locale.ROOT, "  %-32s %11.1f %%",
                            name.substring("asym_".length(), name.length() - "_overhead".length()),
                            ((Number) figure.getValue()).doubleValue() * 100));
                }
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
                putWrk(scenario.getKey() + "_c" + concurrency, result);
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

    /**
     * What committing every call's audit record before answering it costs (issue 15): Encrypt 4 KB
     * at concurrency 64, and the ceiling, on a server with durable audit and on one with {@code
     * KMS_AUDIT_DURABLE=false} (the benchmark's switch), twice each, alternating, on one data
     * directory, so that the machine's drift falls on both alike. Targets: durable ≥ 0.85 × off,
     * and ≥ 0.6 × the ceiling.
     */
    private void durableAuditCost(Path jar, Duration duration) throws Exception {
        Path dataDir = Files.createTempDirectory("kms-bench-audit-");
        int port = freePort();
        Tc3Client client = new Tc3Client("127.0.0.1:" + port, ServerProcess.SECRET_ID, ServerProcess.SECRET_KEY);
        Wrk wrk = new Wrk(dataDir);
        String large = Base64.getEncoder().encodeToString(new byte[4096]);
        Map<Boolean, double[]> sums = new LinkedHashMap<>();
        String keyId = null;
        for (int round = 0; round < 2; round++) {
            for (boolean durable : new boolean[] {false, true}) {
                Map<String, String> settings = Map.of(
                        "KMS_THROTTLE_REQUESTS_PER_SECOND", "100000000",
                        "KMS_THROTTLE_BURST", "100000000",
                        "KMS_AUDIT_DURABLE", Boolean.toString(durable));
                try (ServerProcess server = new ServerProcess(jar, dataDir, port, settings)) {
                    server.start(client);
                    if (keyId == null) {
                        keyId = client.call("CreateKey", "{\"Alias\":\"audit-bench\"}").path("KeyId").asText();
                    }
                    // both warmed alike on a JVM that just started: a few seconds of Encrypt alone left its
                    // measurement with the JIT's compilations (a p99 of seconds) and the ceiling without
                    wrk.run(client, "Encrypt", encrypt(keyId, large), 64, AUDIT_WARM_UP);
                    wrk.run(client, "ListAlgorithms", "{}", 64, AUDIT_WARM_UP.dividedBy(2));
                    Wrk.Result encrypt = wrk.run(client, "Encrypt", encrypt(keyId, large), 64, duration);
                    Wrk.Result ceiling = wrk.run(client, "ListAlgorithms", "{}", 64, duration);
                    String name = "audit_" + (durable ? "durable" : "off") + "_round" + (round + 1);
                    putWrk("encrypt_4k_c64_" + name, encrypt);
                    putWrk("ceiling_c64_" + name, ceiling);
                    double[] sum = sums.computeIfAbsent(durable, d -> new double[3]);
                    sum[0] += encrypt.opsPerSecond();
                    sum[1] += ceiling.opsPerSecond();
                    sum[2] = Math.max(sum[2], encrypt.p99Millis());
                }
            }
        }
        double off = sums.get(false)[0] / 2;
        double durable = sums.get(true)[0] / 2;
        double durableCeiling = sums.get(true)[1] / 2;
        figures.put("encrypt_4k_c64_audit_off_ops", round(off));
        figures.put("encrypt_4k_c64_audit_durable_ops", round(durable));
        figures.put("encrypt_4k_c64_audit_durable_p99_ms", round(sums.get(true)[2]));
        figures.put("encrypt_4k_c64_audit_durable_vs_off", round(durable / off));
        figures.put("encrypt_4k_c64_audit_durable_vs_ceiling", round(durable / durableCeiling));
        table.add(String.format(Locale.ROOT, "%-34s %12s", "Encrypt 4 KB, c64, durable audit", ""));
        table.add(String.format(Locale.ROOT, "  %-32s %12.0f", "audit off (bench switch)", off));
        table.add(String.format(Locale.ROOT, "  %-32s %12.0f %10.2f × off (≥ 0.85)  %5.2f × ceiling (≥ 0.6)",
                "durable", durable, durable / off, durable / durableCeiling));
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /**
     * The HSM protection level against the software one on the same server (issue 16): Encrypt
     * 4 KB, and SignByAsymmetricKey of a 1 KB RAW message with RSA-2048 (RSA_PSS_SHA_256) and ECC
     * P-256, at concurrency 1 and 64, with keys of each level. The HSM is a SoftHSM2 token in a
     * throwaway directory (a software token: it measures what running every operation through
     * PKCS#11, with no material cache, costs; a hardware HSM's own speed is its vendor's figure).
     * Skipped, and said so, when SoftHSM2 is not installed.
     */
    private void hsmLevel(Path jar, Duration duration) throws Exception {
        Path library = Path.of("/usr/lib/softhsm/libsofthsm2.so");
        if (!Files.isRegularFile(library)) {
            table.add("HSM level: skipped, SoftHSM2 is not installed (apt-get install softhsm2)");
            figures.put("hsm_skipped", true);
            return;
        }
        Path dataDir = Files.createTempDirectory("kms-bench-hsm-");
        Path tokens = Files.createDirectories(dataDir.resolve("softhsm-tokens"));
        Path conf = dataDir.resolve("softhsm2.conf");
        Files.writeString(conf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        ProcessBuilder init = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", "kms-bench",
                "--pin", "87654321", "--so-pin", "12345678").redirectErrorStream(true);
        init.environment().put("SOFTHSM2_CONF", conf.toString());
        Process initialised = init.start();
        initialised.getInputStream().readAllBytes();
        if (initialised.waitFor() != 0) {
            throw new IllegalStateException("softhsm2-util could not initialise the bench's token");
        }
        int port = freePort();
        Tc3Client client = new Tc3Client("127.0.0.1:" + port, ServerProcess.SECRET_ID, ServerProcess.SECRET_KEY);
        Map<String, String> settings = Map.of(
                "KMS_THROTTLE_REQUESTS_PER_SECOND", "100000000",
                "KMS_THROTTLE_BURST", "100000000",
                "SOFTHSM2_CONF", conf.toString(),
                "KMS_HSM_PKCS11_LIBRARY", library.toString(),
                "KMS_HSM_TOKEN_LABEL", "kms-bench",
                "KMS_HSM_PIN", "87654321");
        String large = Base64.getEncoder().encodeToString(new byte[4096]);
        String message = Base64.getEncoder().encodeToString(new byte[1024]);
        Wrk wrk = new Wrk(dataDir);
        try (ServerProcess server = new ServerProcess(jar, dataDir, port, settings)) {
            server.start(client);
            Map<String, String[]> scenarios = new LinkedHashMap<>();
            for (String level : new String[] {"SOFTWARE", "HSM"}) {
                String suffix = "_" + level.toLowerCase(Locale.ROOT);
                String levelField = ",\"ProtectionLevel\":\"" + level + "\"";
                String symmetric = client.call("CreateKey", "{\"Description\":\"bench\"" + levelField + "}")
                        .path("KeyId").asText();
                scenarios.put("encrypt_4k" + suffix, new String[] {"Encrypt", encrypt(symmetric, large)});
                for (String[] key : new String[][] {{"rsa", "ASYMMETRIC_SIGN_VERIFY_RSA_2048", "RSA_PSS_SHA_256"},
                        {"ecc", "ASYMMETRIC_SIGN_VERIFY_ECC", "ECC_P256_R1"}}) {
                    String keyId = client.call("CreateKey", "{\"KeyUsage\":\"" + key[1] + "\"" + levelField + "}")
                            .path("KeyId").asText();
                    scenarios.put("sign_" + key[0] + suffix, new String[] {"SignByAsymmetricKey",
                            "{\"KeyId\":\"" + keyId + "\",\"Algorithm\":\"" + key[2]
                                    + "\",\"MessageType\":\"RAW\",\"Message\":\"" + message + "\"}"});
                }
            }
            table.add(String.format(Locale.ROOT, "%-26s %5s %12s %10s %10s %8s", "HSM level (SoftHSM2)", "conc",
                    "ops/s", "p50 ms", "p99 ms", "errors"));
            for (String[] scenario : scenarios.values()) {
                wrk.run(client, scenario[0], scenario[1], 16, Duration.ofSeconds(2));
            }
            for (int concurrency : new int[] {1, 64}) {
                for (Map.Entry<String, String[]> scenario : scenarios.entrySet()) {
                    Wrk.Result result = wrk.run(client, scenario.getValue()[0], scenario.getValue()[1], concurrency,
                            duration);
                    putWrk("hsm_level_" + scenario.getKey() + "_c" + concurrency, result);
                    table.add(String.format(Locale.ROOT, "%-26s %5d %12.0f %10.2f %10.2f %8d", scenario.getKey(),
                            concurrency, result.opsPerSecond(), result.p50Millis(), result.p99Millis(), result.errors()));
                }
            }
        }
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    /**
     * SignByAsymmetricKey and VerifyByAsymmetricKey of a 1 KB RAW message with an RSA-2048
     * (RSA_PSS_SHA_256), an ECC P-256 (ECC_P256_R1) and an SM2 (SM2DSA) key, at concurrency 1 and
     * 64 (issue 14). Signing uses the private key, cached parsed once per version; verifying only
     * the public key from the key view.
     */
    private void signAndVerify(Tc3Client client, Wrk wrk, Duration duration) throws Exception {
        String message = Base64.getEncoder().encodeToString(new byte[1024]);
        Map<String, String[]> scenarios = new LinkedHashMap<>();
        String[][] keys = {
                {"rsa_2048", "ASYMMETRIC_SIGN_VERIFY_RSA_2048", "RSA_PSS_SHA_256"},
                {"ecc", "ASYMMETRIC_SIGN_VERIFY_ECC", "ECC_P256_R1"},
                {"sm2", "ASYMMETRIC_SIGN_VERIFY_SM2", "SM2DSA"}};
        for (String[] key : keys) {
            String keyId = client.call("CreateKey", "{\"KeyUsage\":\"" + key[1] + "\"}").path("KeyId").asText();
            String sign = "{\"KeyId\":\"" + keyId + "\",\"Algorithm\":\"" + key[2] + "\",\"MessageType\":\"RAW\","
                    + "\"Message\":\"" + message + "\"}";
            String signature = client.call("SignByAsymmetricKey", sign).path("Signature").asText();
            String verify = sign.substring(0, sign.length() - 1) + ",\"SignatureValue\":\"" + signature + "\"}";
            scenarios.put("sign_" + key[0], new String[] {"SignByAsymmetricKey", sign});
            scenarios.put("verify_" + key[0], new String[] {"VerifyByAsymmetricKey", verify});
        }
        for (String[] scenario : scenarios.values()) {
            wrk.run(client, scenario[0], scenario[1], 16, Duration.ofSeconds(2));
        }
        for (int concurrency : new int[] {1, 64}) {
            for (Map.Entry<String, String[]> scenario : scenarios.entrySet()) {
                Wrk.Result result = wrk.run(client, scenario.getValue()[0], scenario.getValue()[1], concurrency, duration);
                putWrk(scenario.getKey() + "_c" + concurrency, result);
                table.add(String.format(Locale.ROOT, "%-20s %5d %12.0f %10.2f %10.2f %8d", scenario.getKey(), concurrency,
                        result.opsPerSecond(), result.p50Millis(), result.p99Millis(), result.errors()));
            }
        }
    }

    /**
     * Encrypt and Decrypt 4 KB at concurrency 64 with a key of {@value #MANY_VERSIONS} versions
     * (rotated on demand), against the same figures of the hot path's one-version key: finding the
     * primary version, or the version a ciphertext names, must not grow with the versions.
     */
    private void manyVersions(Tc3Client client, Wrk wrk, Duration duration) throws Exception {
        String large = Base64.getEncoder().encodeToString(new byte[4096]);
        String single = client.call("CreateKey", "{}").path("KeyId").asText();
        String singleBlob = client.call("Encrypt", encrypt(single, large)).path("CiphertextBlob").asText();
        String keyId = client.call("CreateKey", "{}").path("KeyId").asText();
        String oldest = client.call("Encrypt", encrypt(keyId, large)).path("CiphertextBlob").asText();
        for (int i = 1; i < MANY_VERSIONS; i++) {
            client.call("RotateKey", "{\"KeyId\":\"" + keyId + "\"}");
        }
        String newest = client.call("Encrypt", encrypt(keyId, large)).path("CiphertextBlob").asText();
        table.add(String.format(Locale.ROOT, "%-34s %12s %10s %10s", "4 KB at c64, key of " + MANY_VERSIONS
                + " versions", "ops/s", "p99 ms", "ops ×"));
        // {name, action, body with the 100-version key, body with a one-version key}: each pair runs
        // back to back, so that the machine's drift between rows does not read as a difference
        String[][] rows = {
                {"encrypt_4k", "Encrypt", encrypt(keyId, large), encrypt(single, large)},
                {"decrypt_4k", "Decrypt", "{\"CiphertextBlob\":\"" + newest + "\"}",
                        "{\"CiphertextBlob\":\"" + singleBlob + "\"}"},
                {"decrypt_4k_oldest", "Decrypt", "{\"CiphertextBlob\":\"" + oldest + "\"}",
                        "{\"CiphertextBlob\":\"" + singleBlob + "\"}"}};
        // the JIT compiles both paths before anything counts (with --versions-only nothing ran before)
        for (String[] row : rows) {
            wrk.run(client, row[1], row[3], 64, Duration.ofSeconds(2));
            wrk.run(client, row[1], row[2], 64, Duration.ofSeconds(2));
        }
        for (String[] row : rows) {
            Wrk.Result one = wrk.run(client, row[1], row[3], 64, duration);
            Wrk.Result many = wrk.run(client, row[1], row[2], 64, duration);
            String name = row[0] + "_versions_" + MANY_VERSIONS + "_c64";
            putWrk(name, many);
            putWrk(row[0] + "_versions_1_c64", one);
            double ratio = many.opsPerSecond() / one.opsPerSecond();
            figures.put(name + "_ops_ratio", round(ratio));
            table.add(String.format(Locale.ROOT, "  %-32s %12.0f %10.2f", row[0] + ", 1 version", one.opsPerSecond(),
                    one.p99Millis()));
            table.add(String.format(Locale.ROOT, "  %-32s %12.0f %10.2f %10.2f", row[0] + ", " + MANY_VERSIONS
                    + " versions", many.opsPerSecond(), many.p99Millis(), ratio));
        }
    }

    /**
     * Encrypt 4 KB at concurrency 64 alone, then beside a side load at a fixed rate: CreateKey
     * signed by the admin credential (the write path: a command, a KEK, a PostgreSQL transaction),
     * then requests signed by a fresh made-up SecretId each (a credential lookup that finds nothing;
     * each must be refused with AuthFailure.SecretIdNotFound). Beside either, Encrypt must keep at
     * least {@link #SIDE_LOAD_MIN_OPS_RATIO} of its ops/s and at most {@link #SIDE_LOAD_MAX_P99_RATIO}
     * times its p99 alone; a row whose side load fell short of its rate does not count as met. The
     * side load starts {@code leadIn} before wrk and is counted while wrk runs.
     */
    private void besideSideLoads(Tc3Client client, Wrk wrk, Duration duration, Duration leadIn) throws Exception {
        String keyId = client.call("CreateKey", "{}").path("KeyId").asText();
        String body = encrypt(keyId, Base64.getEncoder().encodeToString(new byte[4096]));
        String host = client.host();
        List<SideLoad> sideLoads = List.of(
                new SideLoad("create_key", "CreateKey " + CREATE_KEY_PER_SECOND + "/s", CREATE_KEY_PER_SECOND,
                        CREATE_KEY_CONNECTIONS, FixedRateLoad.OK, FixedRateLoad.requests(host, "{}", () -> client.headers("CreateKey", "{}"))),
                new SideLoad("unknown_secret_id", "unknown SecretId " + UNKNOWN_SECRET_ID_PER_SECOND + "/s",
                        UNKNOWN_SECRET_ID_PER_SECOND, UNKNOWN_SECRET_ID_CONNECTIONS, "AuthFailure.SecretIdNotFound",
                        FixedRateLoad.requests(host, "{}", () -> Tc3Client.headers(host,
                                "AKID" + randomAlphanumeric(32), randomAlphanumeric(32), "ListAlgorithms", "{}"))));

        wrk.run(client, "Encrypt", body, SIDE_LOAD_CONCURRENCY, Duration.ofSeconds(2)); // JIT warm-up, not counted
        Wrk.Result alone = wrk.run(client, "Encrypt", body, SIDE_LOAD_CONCURRENCY, duration);
        putWrk("encrypt_4k_c" + SIDE_LOAD_CONCURRENCY + "_alone", alone);
        table.add(String.format(Locale.ROOT, "%-32s %10s %10s %8s %7s %7s  %s", "Encrypt 4 KB, c" + SIDE_LOAD_CONCURRENCY + ", beside",
                "ops/s", "p99 ms", "errors", "ops ×", "p99 ×", "target (ops ≥ " + SIDE_LOAD_MIN_OPS_RATIO
                        + " ×, p99 ≤ " + SIDE_LOAD_MAX_P99_RATIO + " × alone)"));
        table.add(String.format(Locale.ROOT, "  %-30s %10.0f %10.2f %8d", "nothing", alone.opsPerSecond(),
                alone.p99Millis(), alone.errors()));

        for (SideLoad side : sideLoads) {
            settle(client);
            Wrk.Result beside;
            FixedRateLoad.Result load;
            try (FixedRateLoad running = FixedRateLoad.start(host, side.perSecond(), side.connections(), side.requests())) {
                Thread.sleep(leadIn.toMillis());
                running.measureFrom();
                beside = wrk.run(client, "Encrypt", body, SIDE_LOAD_CONCURRENCY, duration);
                load = running.stop();
            }
            double opsRatio = beside.opsPerSecond() / alone.opsPerSecond();
            double p99Ratio = beside.p99Millis() / alone.p99Millis();
            boolean met = opsRatio >= SIDE_LOAD_MIN_OPS_RATIO && p99Ratio <= SIDE_LOAD_MAX_P99_RATIO && load.rateReached();
            boolean asExpected = load.answers().keySet().equals(Set.of(side.expectedCode()));
            String name = "encrypt_4k_c" + SIDE_LOAD_CONCURRENCY + "_beside_" + side.figure();
            putWrk(name, beside);
            figures.put(name + "_ops_ratio", round(opsRatio));
            figures.put(name + "_p99_ratio", round(p99Ratio));
            figures.put(name + "_target_met", met);
            String sideName = "side_" + side.figure();
            figures.put(sideName + "_target_per_s", side.perSecond());
            figures.put(sideName + "_sent_per_s", round(load.sentPerSecond()));
            figures.put(sideName + "_answered_per_s", round(load.answeredPerSecond()));
            figures.put(sideName + "_rate_reached", load.rateReached());
            figures.put(sideName + "_p99_ms", round(load.p99Millis()));
            figures.put(sideName + "_answers", load.answers());
            figures.put(sideName + "_answers_as_expected", asExpected);
            figures.put(sideName + "_connections", side.connections());
            table.add(String.format(Locale.ROOT, "  %-30s %10.0f %10.2f %8d %7.2f %7.2f  %s", side.label(),
                    beside.opsPerSecond(), beside.p99Millis(), beside.errors(), opsRatio, p99Ratio,
                    met ? "met" : load.rateReached() ? "NOT met" : "NOT met (side load short of its rate)"));
            table.add(String.format(Locale.ROOT, "    side load: %d/s asked, %.1f/s sent, %.1f/s answered, p99 %.2f ms (%d connections); answers %s%s",
                    side.perSecond(), load.sentPerSecond(), load.answeredPerSecond(), load.p99Millis(), side.connections(),
                    load.answers(), asExpected ? "" : " (expected only " + side.expectedCode() + ")"));
        }
    }

    /**
     * Waits until the server answers promptly again: a side load can leave it work (CreateKey calls
     * its client gave up on) that must not be charged to the next row.
     */
    private void settle(Tc3Client client) throws Exception {
        long deadline = System.nanoTime() + SETTLE_TIMEOUT.toNanos();
        int prompt = 0;
        while (prompt < SETTLED_AFTER_PROMPT_CALLS) {
            if (System.nanoTime() > deadline) {
                table.add("  (the server did not settle within " + SETTLE_TIMEOUT.toSeconds() + " s: the next row starts anyway)");
                return;
            }
            long started = System.nanoTime();
            client.call("ListAlgorithms", "{}");
            prompt = System.nanoTime() - started < PROMPT.toNanos() ? prompt + 1 : 0;
        }
    }

    private void putWrk(String name, Wrk.Result result) {
        figures.put(name + "_ops", round(result.opsPerSecond()));
        figures.put(name + "_p50_ms", round(result.p50Millis()));
        figures.put(name + "_p99_ms", round(result.p99Millis()));
        figures.put(name + "_errors", result.errors());
    }

    private static String randomAlphanumeric(int length) {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        char[] text = new char[length];
        for (int i = 0; i < length; i++) {
            text[i] = ALPHANUMERIC[random.nextInt(ALPHANUMERIC.length)];
        }
        return new String(text);
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
        // a rebuild from every event, as this row has always measured: no key-view snapshot read (0 = off)
        double warmWithEvents = server.start(client, Map.of("KMS_KEY_VIEW_SNAPSHOT_EVERY", "0"));
        long[] rebuild = server.lastRebuild();
        double perSecond = rebuild[0] / Math.max(rebuild[1] / 1000.0, 0.001);
        figures.put("replay_events", rebuild[0]);
        figures.put("replay_events_per_s", round(perSecond));
        figures.put("warm_start_with_replay_s", round(warmWithEvents));
        table.add(String.format(Locale.ROOT, "%-34s %8.0f events/s (%d events in %d ms)", "key view replay",
                perSecond, rebuild[0], rebuild[1]));
        table.add(String.format(Locale.ROOT, "%-34s %8.2f s", "start-up, warm, with those events", warmWithEvents));
    }

    static String encrypt(String keyId, String plaintext) {
        return "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"" + plaintext + "\"}";
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Two decimals; null for what could not be measured (JSON has no NaN). */
    static Double round(double value) {
        return Double.isFinite(value) ? Math.round(value * 100) / 100.0 : null;
    }
}
