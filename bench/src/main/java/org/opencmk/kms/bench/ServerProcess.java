package org.opencmk.kms.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The KMS as users run it: {@code java -jar kms-server.jar} on its embedded defaults, in a child process. */
final class ServerProcess implements AutoCloseable {

    /** A fresh bootstrap credential for every run: the benchmark's server is thrown away after it. */
    static final String SECRET_ID = "AKIDbench" + randomHex(12);
    static final String SECRET_KEY = randomHex(16);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern REBUILT = Pattern.compile("Key view rebuilt from (\\d+) events in (\\d+) ms");

    private final Path jar;
    private final Path dataDir;
    private final int port;
    private final Map<String, String> settings;
    private Process process;
    private int starts;

    ServerProcess(Path jar, Path dataDir, int port, Map<String, String> settings) {
        this.jar = jar;
        this.dataDir = dataDir;
        this.port = port;
        this.settings = settings;
    }

    /** Starts the server and returns the seconds until its first successful authenticated call. */
    double start(Tc3Client client) throws IOException, InterruptedException {
        return start(client, Map.of());
    }

    /**
     * The same, with settings for this start only on top of the constructor's: a row that must
     * measure one path of the server (the key view's rebuild from events, say) switches the others
     * off without changing the rows that share its server.
     */
    double start(Tc3Client client, Map<String, String> thisStartOnly) throws IOException, InterruptedException {
        starts++;
        ProcessBuilder builder = new ProcessBuilder(List.of("java", "-jar", jar.toString()))
                .redirectErrorStream(true)
                .redirectOutput(log().toFile());
        Map<String, String> env = builder.environment();
        env.put("KMS_DATA_DIR", dataDir.toString());
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("KMS_BOOTSTRAP_SECRET_ID", SECRET_ID);
        env.put("KMS_BOOTSTRAP_SECRET_KEY", SECRET_KEY);
        env.putAll(settings);
        env.putAll(thisStartOnly);
        long started = System.nanoTime();
        process = builder.start();
        long deadline = started + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the server exited; see " + log());
            }
            try {
                client.call("ListAlgorithms", "{}");
                return (System.nanoTime() - started) / 1e9;
            } catch (IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new IOException("the server did not answer within " + START_TIMEOUT + "; see " + log());
    }

    /** How many events the last start rebuilt the key view from, and how long it took, from its log. */
    long[] lastRebuild() throws IOException {
        Matcher matcher = REBUILT.matcher(Files.readString(log()));
        long[] last = null;
        while (matcher.find()) {
            last = new long[] {Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2))};
        }
        if (last == null) {
            throw new IOException("no key view rebuild in " + log());
        }
        return last;
    }

    /** The running server's process id, for tools that attach to its JVM (jcmd). */
    long pid() {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("the server is not running");
        }
        return process.pid();
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        process = null;
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        new java.security.SecureRandom().nextBytes(random);
        return java.util.HexFormat.of().formatHex(random);
    }

    /** The log of the current (or last) start: the server's stdout and stderr. */
    Path log() {
        return dataDir.resolve("server-" + starts + ".log");
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
