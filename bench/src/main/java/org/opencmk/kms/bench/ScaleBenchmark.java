package org.opencmk.kms.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server at many keys ({@code bench/run.sh --scale [--scale-keys=N]}, not part of the default
 * run): what a key costs once there are {@value #DEFAULT_KEYS} of them in one account. One server,
 * one data directory, in this order: restart while empty; live heap and a ListKeys page while
 * empty; N CreateKey calls; the key view's snapshot after them (when the server writes one); live
 * heap and the page again; restart while full, against the empty restart (target ≤ 1.5 ×); Encrypt
 * 4 KB on a uniformly random key among all N right after that restart, so that the key-material
 * cache's misses are part of the figure. Every figure is named {@code scale_...}.
 *
 * <p>The calls go through {@link Tc3Client} from threads of this JVM, not wrk: each Encrypt names
 * another key, so each request is built and signed as it leaves, which a replayed pre-signed
 * request cannot do.
 */
final class ScaleBenchmark {

    static final int DEFAULT_KEYS = 250_000;
    /** CreateKey calls in flight: twice the server's database threads, so none of them waits for work. */
    private static final int CREATE_IN_FLIGHT = 32;
    /** A fill with more failed calls than this share of N is not a measurement of N keys. */
    private static final double MAX_CREATE_ERROR_SHARE = 0.01;
    private static final String CREATE_BODY = "{\"Description\":\"scale\"}";
    private static final String PAGE_BODY = "{\"Offset\":0,\"Limit\":10}";
    private static final int PAGE_WARM_UP_CALLS = 50;
    private static final int PAGE_CALLS = 300;
    private static final Duration SNAPSHOT_WAIT = Duration.ofSeconds(20);
    private static final int ENCRYPT_IN_FLIGHT = 64;
    private static final int ENCRYPT_BYTES = 4096;
    private static final Duration ENCRYPT_WARM_UP = Duration.ofSeconds(5);
    private static final Duration ENCRYPT_MEASURED = Duration.ofSeconds(20);
    private static final double RESTART_RATIO_TARGET = 1.5;
    /** The last line of {@code jcmd <pid> GC.class_histogram}: instances, then bytes. */
    private static final int HISTOGRAM_ROWS_SHOWN = 25;
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)\\s*$", Pattern.MULTILINE);

    /** The p50 and p99 of a series of calls, in milliseconds. */
    private record Latency(double p50Millis, double p99Millis) {
    }

    /** A closed loop's window: successful calls per second, their latency, and the failed calls. */
    private record LoadResult(double opsPerSecond, Latency latency, long errors) {
    }

    /** One closed-loop worker's calls inside the window. */
    private record Samples(List<Long> nanos, long errors) {
    }

    private final Path jar;
    private final int keys;
    private final Map<String, Object> figures;
    private final List<String> table;

    /** Puts its figures and table rows into the runner's, which prints them. */
    ScaleBenchmark(Path jar, int keys, Map<String, Object> figures, List<String> table) {
        this.jar = jar;
        this.keys = keys;
        this.figures = figures;
        this.table = table;
    }

    void run() throws Exception {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: run ./mvnw -DskipTests package first");
        }
        Path dataDir = Files.createTempDirectory("kms-bench-scale-");
        int port = BenchRunner.freePort();
        Tc3Client client = new Tc3Client("127.0.0.1:" + port, ServerProcess.SECRET_ID, ServerProcess.SECRET_KEY);
        Map<String, String> settings = Map.of(
                "KMS_THROTTLE_REQUESTS_PER_SECOND", "100000000",
                "KMS_THROTTLE_BURST", "100000000");
        try (ServerProcess server = new ServerProcess(jar, dataDir, port, settings)) {
            measure(server, client);
        }
        // the server's logs (each start's key view line, snapshots) outlive the data directory, which
        // is kept when a step failed
        Path logs = Files.createDirectories(Path.of("bench/target/scale-logs"));
        try (var files = Files.list(dataDir)) {
            for (Path log : files.filter(path -> path.getFileName().toString().endsWith(".log")).toList()) {
                Files.copy(log, logs.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    private void measure(ServerProcess server, Tc3Client client) throws Exception {
        progress("first start on an empty data directory");
        server.start(client);
        server.stop();
        double restartEmpty = server.start(client);
        progress("empty: live heap and ListKeys page");
        long heapEmpty = liveHeapBytes(server.pid());
        Latency pageEmpty = pageLatency(client);

        long fillStarted = System.nanoTime();
        AtomicInteger errors = new AtomicInteger();
        List<String> keyIds = fill(client, errors);
        double fillSeconds = (System.nanoTime() - fillStarted) / 1e9;
        progress("waiting up to " + SNAPSHOT_WAIT.toSeconds() + " s for a key view snapshot");
        boolean snapshotSeen = awaitSnapshot(server.log(), Files.size(server.log()));

        progress("full: live heap and ListKeys page");
        long heapFull = liveHeapBytes(server.pid());
        Latency pageFull = pageLatency(client);
        server.stop();
        progress("restart with " + keys + " keys");
        double restartFull = server.start(client);
        progress("Encrypt 4 KB on random keys: " + ENCRYPT_WARM_UP.toSeconds() + " s warm-up, "
                + ENCRYPT_MEASURED.toSeconds() + " s measured");
        LoadResult encrypt = encryptOnRandomKeys(client, keyIds);

        putFigures(restartEmpty, restartFull, heapEmpty, heapFull, pageEmpty, pageFull, errors.get(),
                keyIds.size() / fillSeconds, snapshotSeen, encrypt);
        addTable(restartEmpty, restartFull, heapEmpty, heapFull, pageEmpty, pageFull, errors.get(),
                keyIds.size() / fillSeconds, fillSeconds, snapshotSeen, encrypt);
    }

    /**
     * The live heap of the server's JVM in bytes: {@code GC.class_histogram} runs a full GC before
     * it counts, so what it totals is what is reachable, not what garbage happened to be lying about.
     */
    private static long liveHeapBytes(long pid) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder("jcmd", Long.toString(pid), "GC.class_histogram")
                .redirectErrorStream(true)
                .start();
        String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (jcmd.waitFor() != 0) {
            throw new IOException("jcmd GC.class_histogram failed:\n" + output);
        }
        // where the heap goes, for whoever reads the bench's stderr: the histogram's header and top rows
        output.lines().limit(HISTOGRAM_ROWS_SHOWN + 3).forEach(line -> System.err.println("scale: heap " + line));
        Matcher total = HISTOGRAM_TOTAL.matcher(output);
        long bytes = -1;
        while (total.find()) {
            bytes = Long.parseLong(total.group(2));
        }
        if (bytes < 0) {
            throw new IOException("no Total line in jcmd's class histogram");
        }
        return bytes;
    }

    /**
     * The first page of ListKeys, one call at a time after a warm-up: a page of ten must cost the
     * same whatever the account holds, so the figure to watch is the full server's against the empty one's.
     */
    private static Latency pageLatency(Tc3Client client) throws IOException, InterruptedException {
        for (int i = 0; i < PAGE_WARM_UP_CALLS; i++) {
            client.call("ListKeys", PAGE_BODY);
        }
        List<Long> nanos = new ArrayList<>(PAGE_CALLS);
        for (int i = 0; i < PAGE_CALLS; i++) {
            long started = System.nanoTime();
            client.call("ListKeys", PAGE_BODY);
            nanos.add(System.nanoTime() - started);
        }
        return latency(nanos);
    }

    /**
     * N CreateKey calls with no alias, {@value #CREATE_IN_FLIGHT} in flight; returns the ids of the
     * keys made, in no particular order. Failed calls are counted in {@code errors}; past
     * {@value #MAX_CREATE_ERROR_SHARE} of N the fill stops and the run fails.
     */
    private List<String> fill(Tc3Client client, AtomicInteger errors) throws Exception {
        String[] keyIds = new String[keys];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        int maxErrors = (int) (keys * MAX_CREATE_ERROR_SHARE);
        int step = Math.max(1, keys / 10);
        long started = System.nanoTime();
        Callable<Void> worker = () -> {
            for (int i = next.getAndIncrement(); i < keys && errors.get() <= maxErrors; i = next.getAndIncrement()) {
                try {
                    String keyId = client.call("CreateKey", CREATE_BODY).path("KeyId").asText("");
                    if (keyId.isEmpty()) {
                        throw new IOException("CreateKey answered no KeyId");
                    }
                    keyIds[i] = keyId;
                } catch (IOException failed) {
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, failed.getMessage());
                }
                int count = done.incrementAndGet();
                if (count % step == 0) {
                    progress(String.format(Locale.ROOT, "created %d%% (%d of %d calls, %d errors, %.0f s)",
                            Math.round(100.0 * count / keys), count, keys, errors.get(),
                            (System.nanoTime() - started) / 1e9));
                }
            }
            return null;
        };
        runAll(Collections.nCopies(CREATE_IN_FLIGHT, worker));
        if (firstError.get() != null) {
            progress(errors.get() + " CreateKey calls failed; the first: " + firstError.get());
        }
        if (errors.get() > maxErrors) {
            throw new IllegalStateException("more than " + (MAX_CREATE_ERROR_SHARE * 100) + " % of the CreateKey calls failed");
        }
        return Arrays.stream(keyIds).filter(Objects::nonNull).toList();
    }

    /**
     * Whether a {@code Key view snapshot ... written} line appears in the server's log after
     * {@code from} (its size when the fill ended) within {@link #SNAPSHOT_WAIT}: the full server is
     * measured once its snapshot work is done, and a server that writes none is said to.
     */
    private static boolean awaitSnapshot(Path log, long from) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + SNAPSHOT_WAIT.toNanos();
        do {
            for (String line : logSince(log, from).split("\n")) {
                if (line.contains("Key view snapshot") && line.contains("written")) {
                    return true;
                }
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        return false;
    }

    /** What the server has logged past byte {@code from}. */
    private static String logSince(Path log, long from) throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(log)) {
            long size = channel.size();
            if (size <= from) {
                return "";
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size - from, Integer.MAX_VALUE - 8));
            channel.position(from);
            while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                // reads until the buffer is full or the file ends
            }
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Encrypt 4 KB in a closed loop, {@value #ENCRYPT_IN_FLIGHT} in flight, each call on a key drawn
     * uniformly from all N: with N far above the key-material cache, most calls unwrap their key
     * first. Only calls that start after the warm-up and end before the window closes count.
     */
    private static LoadResult encryptOnRandomKeys(Tc3Client client, List<String> keyIds) throws Exception {
        byte[] plaintext = new byte[ENCRYPT_BYTES];
        new SecureRandom().nextBytes(plaintext);
        String encoded = Base64.getEncoder().encodeToString(plaintext);
        long windowStart = System.nanoTime() + ENCRYPT_WARM_UP.toNanos();
        long windowEnd = windowStart + ENCRYPT_MEASURED.toNanos();
        Callable<Samples> worker = () -> {
            List<Long> nanos = new ArrayList<>();
            long errors = 0;
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (System.nanoTime() < windowEnd) {
                String body = BenchRunner.encrypt(keyIds.get(random.nextInt(keyIds.size())), encoded);
                long started = System.nanoTime();
                boolean ok;
                try {
                    client.call("Encrypt", body);
                    ok = true;
                } catch (IOException failed) {
                    ok = false;
                }
                long ended = System.nanoTime();
                if (started >= windowStart && ended <= windowEnd) {
                    if (ok) {
                        nanos.add(ended - started);
                    } else {
                        errors++;
                    }
                }
            }
            return new Samples(nanos, errors);
        };
        List<Long> nanos = new ArrayList<>();
        long errors = 0;
        for (Samples samples : runAll(Collections.nCopies(ENCRYPT_IN_FLIGHT, worker))) {
            nanos.addAll(samples.nanos());
            errors += samples.errors();
        }
        return new LoadResult(nanos.size() / (ENCRYPT_MEASURED.toNanos() / 1e9), latency(nanos), errors);
    }

    /** Runs the tasks on a thread each and returns their results, or throws the first failure. */
    private static <T> List<T> runAll(List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<T> results = new ArrayList<>();
            for (Future<T> future : pool.invokeAll(tasks)) {
                try {
                    results.add(future.get());
                } catch (java.util.concurrent.ExecutionException failed) {
                    throw failed.getCause() instanceof Exception cause ? cause : failed;
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /** p50 and p99 as FixedRateLoad takes them (the nearest rank); NaN when there was no call. */
    private static Latency latency(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return new Latency(Double.NaN, Double.NaN);
        }
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return new Latency(rank(sorted, 0.50) / 1e6, rank(sorted, 0.99) / 1e6);
    }

    private static long rank(List<Long> sorted, double quantile) {
        return sorted.get((int) Math.ceil(sorted.size() * quantile) - 1);
    }

    private void putFigures(double restartEmpty, double restartFull, long heapEmpty, long heapFull, Latency pageEmpty,
            Latency pageFull, int createErrors, double createPerSecond, boolean snapshotSeen, LoadResult encrypt) {
        figures.put("scale_restart_empty_s", BenchRunner.round(restartEmpty));
        figures.put("scale_restart_full_s", BenchRunner.round(restartFull));
        figures.put("scale_restart_ratio", BenchRunner.round(restartFull / restartEmpty));
        figures.put("scale_heap_empty_bytes", heapEmpty);
        figures.put("scale_heap_full_bytes", heapFull);
        figures.put("scale_heap_bytes_per_key", Math.round((double) (heapFull - heapEmpty) / keys));
        figures.put("scale_list_page_empty_p50_ms", BenchRunner.round(pageEmpty.p50Millis()));
        figures.put("scale_list_page_empty_p99_ms", BenchRunner.round(pageEmpty.p99Millis()));
        figures.put("scale_list_page_full_p50_ms", BenchRunner.round(pageFull.p50Millis()));
        figures.put("scale_list_page_full_p99_ms", BenchRunner.round(pageFull.p99Millis()));
        figures.put("scale_list_page_delta_p50_ms", BenchRunner.round(pageFull.p50Millis() - pageEmpty.p50Millis()));
        figures.put("scale_create_ops", BenchRunner.round(createPerSecond));
        figures.put("scale_create_errors", createErrors);
        figures.put("scale_snapshot_seen", snapshotSeen);
        figures.put("scale_encrypt_4k_random_key_ops", BenchRunner.round(encrypt.opsPerSecond()));
        figures.put("scale_encrypt_4k_random_key_p50_ms", BenchRunner.round(encrypt.latency().p50Millis()));
        figures.put("scale_encrypt_4k_random_key_p99_ms", BenchRunner.round(encrypt.latency().p99Millis()));
        figures.put("scale_encrypt_4k_random_key_errors", encrypt.errors());
    }

    private void addTable(double restartEmpty, double restartFull, long heapEmpty, long heapFull, Latency pageEmpty,
            Latency pageFull, int createErrors, double createPerSecond, double fillSeconds, boolean snapshotSeen,
            LoadResult encrypt) {
        double ratio = restartFull / restartEmpty;
        table.add(String.format(Locale.ROOT, "%-34s %12s %12s", "scale, " + keys + " keys", "empty", "full"));
        table.add(String.format(Locale.ROOT, "  %-32s %12.2f %12.2f   %.2f × (target ≤ %.1f: %s)", "restart, s",
                restartEmpty, restartFull, ratio, RESTART_RATIO_TARGET, ratio <= RESTART_RATIO_TARGET ? "met" : "NOT met"));
        table.add(String.format(Locale.ROOT, "  %-32s %12.1f %12.1f   %d bytes/key", "live heap, MB",
                heapEmpty / 1e6, heapFull / 1e6, Math.round((double) (heapFull - heapEmpty) / keys)));
        table.add(String.format(Locale.ROOT, "  %-32s %12.2f %12.2f", "ListKeys page of 10, p50 ms",
                pageEmpty.p50Millis(), pageFull.p50Millis()));
        table.add(String.format(Locale.ROOT, "  %-32s %12.2f %12.2f", "ListKeys page of 10, p99 ms",
                pageEmpty.p99Millis(), pageFull.p99Millis()));
        table.add(String.format(Locale.ROOT, "  %-32s %12.0f /s (%d errors, %.0f s); snapshot after it %s",
                "CreateKey fill, c" + CREATE_IN_FLIGHT, createPerSecond, createErrors, fillSeconds,
                snapshotSeen ? "seen" : "not seen"));
        table.add(String.format(Locale.ROOT, "  %-32s %12.0f ops/s, p50 %.2f ms, p99 %.2f ms, %d errors",
                "Encrypt 4 KB, random key, c" + ENCRYPT_IN_FLIGHT, encrypt.opsPerSecond(), encrypt.latency().p50Millis(),
                encrypt.latency().p99Millis(), encrypt.errors()));
    }

    /** Where a long run stands, on stderr: stdout is the table and, last, the JSON line. */
    private static void progress(String message) {
        System.err.println("scale: " + message);
    }
}
