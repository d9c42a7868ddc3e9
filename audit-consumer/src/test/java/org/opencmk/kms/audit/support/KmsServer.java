package org.opencmk.kms.audit.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The KMS as users run it, {@code java -jar kms-server.jar}, in a child process: its own data
 * directory, a free loopback port, a freshly generated bootstrap credential (the KMS refuses the
 * README's example), and the given extra environment (e.g. {@code KMS_KAFKA_BOOTSTRAP_SERVERS}).
 */
public final class KmsServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;
    private final Path log;
    private final Tc3Client client;

    private KmsServer(Process process, Path log, Tc3Client client) {
        this.process = process;
        this.log = log;
        this.client = client;
    }

    /**
     * The runnable jar built by kms-server's package phase (before this module's integration tests in
     * the reactor); {@code -Dkms.server.jar=…} overrides.
     */
    public static Path jar() {
        String configured = System.getProperty("kms.server.jar");
        return configured != null ? Path.of(configured)
                : Path.of("..", "kms-server", "target", "kms-server.jar").toAbsolutePath().normalize();
    }

    /** Starts the server on {@code dataDir} and returns once it answers an authenticated call. */
    public static KmsServer start(Path dataDir, Map<String, String> environment) throws IOException, InterruptedException {
        Files.createDirectories(dataDir);
        int port = freePort();
        String secretId = "AKIDe2e" + randomHex(12);
        String secretKey = randomHex(16);
        Path log = dataDir.resolve("server.log");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar().toString()))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("KMS_DATA_DIR", dataDir.toString());
        env.put("SERVER_PORT", Integer.toString(port));
        env.put("SERVER_ADDRESS", "127.0.0.1");
        env.put("KMS_BOOTSTRAP_SECRET_ID", secretId);
        env.put("KMS_BOOTSTRAP_SECRET_KEY", secretKey);
        env.putAll(environment);
        Process process = builder.start();
        KmsServer server = new KmsServer(process, log, new Tc3Client("127.0.0.1:" + port, secretId, secretKey));
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the KMS exited (" + process.exitValue() + "); see " + log);
            }
            try {
                if (!server.client.call("ListAlgorithms", "{}").has("Error")) {
                    return server;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        server.close();
        throw new IOException("the KMS did not answer within " + START_TIMEOUT + "; see " + log);
    }

    /** A client signing with the bootstrap credential. */
    public Tc3Client client() {
        return client;
    }

    public Path log() {
        return log;
    }

    public boolean running() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
