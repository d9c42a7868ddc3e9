package org.opencmk.kms.server.support;

import com.tencentcloudapi.common.Credential;
import com.tencentcloudapi.common.profile.ClientProfile;
import com.tencentcloudapi.common.profile.HttpProfile;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.X509TrustManager;
import org.opencmk.kms.server.KmsServerApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real KMS server for integration tests: the application as {@code java -jar} runs it, on an
 * embedded PostgreSQL in a data directory of the test's, on a free loopback port. Stop and start
 * it again on the same directory to test a restart.
 */
public final class KmsServer implements AutoCloseable {

    public static final String BOOTSTRAP_SECRET_ID = "AKIDbootstrapTestCredential000000001";
    public static final String BOOTSTRAP_SECRET_KEY = "bootstrapTestSecretKey0000000001";

    private final Path dataDir;
    private final Map<String, String> settings;
    private ConfigurableApplicationContext context;
    private int port;

    private KmsServer(Path dataDir, Map<String, String> settings) {
        this.dataDir = dataDir;
        this.settings = settings;
    }

    /**
     * A new server on a fresh data directory; {@code settings} are extra {@code key=value} properties.
     * With {@code kms.tls.cert} among them it speaks HTTPS, and its clients trust that certificate.
     * A server that fails to start leaves no data directory behind.
     */
    public static KmsServer start(Map<String, String> settings) {
        try {
            return startOn(Files.createTempDirectory("kms-it-"), settings);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A server on a data directory of the test's (an earlier release's, say), which
     * {@link #close} deletes.
     */
    public static KmsServer startOn(Path dataDir, Map<String, String> settings) {
        KmsServer server = new KmsServer(dataDir, settings);
        try {
            server.start();
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** Settings that mean "leave this one out" rather than a value. */
    public static final String UNSET = "<unset>";

    public synchronized void start() {
        BlockingCalls.install();
        List<String> args = new ArrayList<>(List.of(
                "--kms.data-dir=" + dataDir,
                "--server.port=" + (port == 0 ? 0 : port),
                "--logging.file.name=" + logFile(),
                // never rolled over mid-test (10 MB by default): tests read what a start logged, and
                // one JVM's servers share one logging system, so a busy one fills another's file
                "--logging.logback.rollingpolicy.max-file-size=1GB"));
        if (!UNSET.equals(settings.get("kms.bootstrap.secret-id"))) {
            args.add("--kms.bootstrap.secret-id=" + BOOTSTRAP_SECRET_ID);
            args.add("--kms.bootstrap.secret-key=" + BOOTSTRAP_SECRET_KEY);
        }
        settings.forEach((key, value) -> {
            if (!UNSET.equals(value)) {
                args.add("--" + key + "=" + value);
            }
        });
        System.setProperty("axoniq.update-checker.disabled", "true");
        System.setProperty("disable-axoniq-console-message", "true");
        context = SpringApplication.run(KmsServerApplication.class, args.toArray(String[]::new));
        port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    /** Stops the server; fails if anything blocked a non-blocking thread while it ran. */
    public synchronized void stop() {
        if (context != null) {
            context.close();
            context = null;
        }
        BlockingCalls.requireNone();
    }

    public void restart() {
        stop();
        start();
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return dataDir.resolve("kms.log");
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    /** One of several beans of a type (Axon's serializers, repositories), by its name. */
    public <T> T bean(String name, Class<T> type) {
        return context.getBean(name, type);
    }

    public boolean tls() {
        return settings.containsKey("kms.tls.cert") && !UNSET.equals(settings.get("kms.tls.cert"));
    }

    /**
     * The official Tencent Cloud SDK's KMS client, pointed at this server: over plain HTTP, or with
     * TLS over the SDK's default {@code https://}, trusting the server's certificate only.
     */
    public KmsClient client(String secretId, String secretKey) {
        HttpProfile http = new HttpProfile();
        http.setEndpoint("127.0.0.1:" + port);
        if (tls()) {
            X509TrustManager trust = TestCertificate.trusting(Path.of(settings.get("kms.tls.cert")));
            http.setSslSocketFactory(TestCertificate.sslContext(trust).getSocketFactory());
            http.setX509TrustManager(trust);
        } else {
            http.setProtocol("http://");
        }
        ClientProfile profile = new ClientProfile();
        profile.setHttpProfile(http);
        return new KmsClient(new Credential(secretId, secretKey), "ap-guangzhou", profile);
    }

    public KmsClient adminClient() {
        return client(BOOTSTRAP_SECRET_ID, BOOTSTRAP_SECRET_KEY);
    }

    public RawClient raw(String secretId, String secretKey) {
        return new RawClient("127.0.0.1:" + port, secretId, secretKey);
    }

    public RawClient rawAdmin() {
        return raw(BOOTSTRAP_SECRET_ID, BOOTSTRAP_SECRET_KEY);
    }

    /** Stops the server and deletes its data directory (an embedded PostgreSQL's worth of files). */
    @Override
    public void close() {
        stop();
        try (var files = Files.walk(dataDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
