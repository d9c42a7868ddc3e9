package org.opencmk.kms.audit.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A real Kafka broker (KRaft, one node as broker and controller) in a child JVM, run from the
 * {@code kafka_2.13} classes on the test class path: no Docker, no download. It can be stopped
 * and started again on the same data directory and ports, as an outage would.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private Process process;

    private KafkaBroker(Path dir, int port, int controllerPort) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** A new broker in {@code dir} (formatted there), on two free loopback ports; started. */
    public static KafkaBroker start(Path dir) {
        try {
            Files.createDirectories(dir);
            KafkaBroker broker = new KafkaBroker(dir, freePort(), freePort());
            broker.configure();
            Process format = broker.run("kafka.tools.StorageTool", "format", "-t", clusterId(), "-c",
                    broker.config().toString());
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IllegalStateException("formatting the broker's directory failed; see " + broker.log());
            }
            broker.start();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Starts the broker (again) on its directory and ports, and waits until it answers. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            process = run("kafka.Kafka", config().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Kafka broker exited with " + process.exitValue() + "; see " + log());
            }
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                return;
            } catch (Exception notYet) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("the Kafka broker did not start in " + START_TIMEOUT + "; see " + log());
                }
                sleep(200);
            }
        }
    }

    /** Stops the broker the way an operator does (SIGTERM, a controlled shutdown), and waits until it is gone. */
    public synchronized void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    public void createTopics(int partitions, String... topics) {
        try (Admin admin = admin()) {
            List<NewTopic> newTopics = new ArrayList<>();
            for (String topic : topics) {
                newTopics.add(new NewTopic(topic, partitions, (short) 1));
            }
            admin.createTopics(newTopics).all().get(30, TimeUnit.SECONDS);
            awaitLeaders(admin, List.of(topics));
        } catch (Exception e) {
            throw new IllegalStateException("cannot create " + List.of(topics), e);
        }
    }

    /**
     * Waits until every partition of the new topics has a leader: a producer that sends before
     * gets NOT_LEADER_OR_FOLLOWER, and an idempotent one then retries through
     * OUT_OF_ORDER_SEQUENCE_NUMBER for a long while on a slow machine.
     */
    private static void awaitLeaders(Admin admin, List<String> topics) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            boolean ready = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
                    .allMatch(description -> description.partitions().stream()
                            .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty()));
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no leader for every partition of " + topics + " within 30 s");
            }
            Thread.sleep(100);
        }
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
    }

    @Override
    public void close() {
        stop();
    }

    private void configure() throws IOException {
        Properties server = new Properties();
        server.put("process.roles", "broker,controller");
        server.put("node.id", "1");
        server.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        server.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        server.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        server.put("controller.listener.names", "CONTROLLER");
        server.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        server.put("inter.broker.listener.name", "PLAINTEXT");
        server.put("log.dirs", dir.resolve("logs").toAbsolutePath().toString());
        server.put("num.partitions", "3");
        server.put("auto.create.topics.enable", "false");
        server.put("offsets.topic.replication.factor", "1");
        server.put("offsets.topic.num.partitions", "3");
        server.put("transaction.state.log.replication.factor", "1");
        server.put("transaction.state.log.min.isr", "1");
        server.put("share.coordinator.state.topic.replication.factor", "1");
        server.put("share.coordinator.state.topic.min.isr", "1");
        server.put("group.initial.rebalance.delay.ms", "0");
        try (var out = Files.newBufferedWriter(config())) {
            server.store(out, "test broker");
        }
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder>
                  </appender>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        // The class path as an argument file: it is longer than a command line should be.
        String classPath = System.getProperty("java.class.path");
        Files.writeString(dir.resolve("jvm.args"), "-cp \"" + classPath.replace("\\", "\\\\") + "\"\n");
    }

    private Process run(String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + dir.resolve("jvm.args").toAbsolutePath(),
                "-Xms128m", "-Xmx512m",
                "-Dlogback.configurationFile=" + dir.resolve("logback.xml").toAbsolutePath(),
                mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
    }

    private Path config() {
        return dir.resolve("server.properties");
    }

    private Path log() {
        return dir.resolve("broker.log");
    }

    /**
     * Kafka's own generator: a hand-made base64 id starting with '-' (one run in 64) was read by
     * StorageTool as an option, and formatting failed.
     */
    private static String clusterId() {
        return org.apache.kafka.common.Uuid.randomUuid().toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
