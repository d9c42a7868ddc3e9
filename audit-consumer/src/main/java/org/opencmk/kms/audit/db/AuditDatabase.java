package org.opencmk.kms.audit.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.opencmk.kms.audit.AuditProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log's PostgreSQL: {@code AUDIT_DB_URL} names an external server; without it an
 * embedded PostgreSQL keeps its data in {@code <data dir>/postgres} across restarts, durably
 * (fsync and synchronous commit on) and behind a SCRAM password written to
 * {@code <data dir>/postgres-password} before the cluster exists.
 *
 * <p>The embedded server is started the way the KMS server starts its own (kms-server's
 * {@code DatabaseConfiguration}, copied here because that class is bound to the server's
 * configuration and its module is a runnable jar, not a library), with one addition: the data
 * directory is locked ({@value #LOCK_FILE}) while a consumer runs on it. So a second consumer
 * refuses to start instead of stopping the first one's PostgreSQL as a stale server, and
 * {@code verify} knows to connect to the running server rather than start one.
 */
public final class AuditDatabase implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AuditDatabase.class);
    private static final Duration STALE_SERVER_STOP_TIMEOUT = Duration.ofSeconds(10);
    static final String PASSWORD_FILE = "postgres-password";
    static final String CLUSTER_DIR = "postgres";
    static final String STAGING_DIR = "postgres.initialising";
    /** Held (an OS file lock) by the process whose embedded PostgreSQL serves the data directory. */
    static final String LOCK_FILE = "audit-consumer.lock";
    private static final String SUPERUSER = "postgres";
    private static final String SCRAM = "scram-sha-256";

    private final HikariDataSource dataSource;
    private final EmbeddedPostgres embedded;
    private final FileChannel lockChannel;
    private final String description;

    private AuditDatabase(HikariDataSource dataSource, EmbeddedPostgres embedded, FileChannel lockChannel,
            String description) {
        this.dataSource = dataSource;
        this.embedded = embedded;
        this.lockChannel = lockChannel;
        this.description = description;
    }

    /** For the consumer: the external database, or the embedded one started on the data directory it locks. */
    public static AuditDatabase forConsumer(AuditProperties properties, int poolSize) {
        if (properties.db().external()) {
            return external(properties.db(), poolSize);
        }
        Path dataDir = properties.dataDir();
        try {
            Files.createDirectories(dataDir);
            FileChannel lock = lock(dataDir);
            if (lock == null) {
                throw new IllegalStateException("another audit consumer runs on " + dataDir.toAbsolutePath()
                        + " (it holds " + LOCK_FILE + "); refusing to start a second one");
            }
            try {
                return embedded(dataDir, lock, poolSize, true);
            } catch (RuntimeException e) {
                lock.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the data directory " + dataDir, e);
        }
    }

    /**
     * For {@code verify}: the external database; or, when a consumer runs on the data directory,
     * its embedded server (connecting to the port in its {@code postmaster.pid}); or else the
     * embedded server started here for as long as the verification takes. Never creates a cluster.
     */
    public static AuditDatabase forVerify(AuditProperties properties) {
        if (properties.db().external()) {
            return external(properties.db(), 2);
        }
        Path dataDir = properties.dataDir();
        Path pgData = dataDir.resolve(CLUSTER_DIR);
        try {
            if (!holdsCluster(pgData)) {
                throw new IllegalStateException("there is no audit database in " + dataDir.toAbsolutePath()
                        + " (no " + CLUSTER_DIR + "/): the consumer has never run there");
            }
            FileChannel lock = lock(dataDir);
            if (lock == null) {
                return attach(dataDir);
            }
            try {
                return embedded(dataDir, lock, 2, false);
            } catch (RuntimeException e) {
                lock.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the data directory " + dataDir, e);
        }
    }

    private static AuditDatabase external(AuditProperties.Db db, int poolSize) {
        HikariConfig config = poolConfig(db.url(), poolSize);
        config.setUsername(db.user());
        config.setPassword(db.password());
        // Only the URL up to its parameters: a password may be among them.
        return new AuditDatabase(new HikariDataSource(config), null, null, "the PostgreSQL at " + db.url().replaceFirst("\\?.*", ""));
    }

    /** The lock on the data directory, or null if another process (or this one) holds it. */
    private static FileChannel lock(Path dataDir) throws IOException {
        FileChannel channel = FileChannel.open(dataDir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return channel;
            }
        } catch (OverlappingFileLockException heldInThisJvm) {
            // a consumer in this JVM holds it
        }
        channel.close();
        return null;
    }

    /** The running consumer's embedded server, at the port its postmaster.pid names. */
    private static AuditDatabase attach(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve(CLUSTER_DIR).resolve("postmaster.pid");
        List<String> lines = Files.exists(pidFile) ? Files.readAllLines(pidFile) : List.of();
        if (lines.size() < 4 || lines.get(3).isBlank()) {
            throw new IllegalStateException("an audit consumer holds " + dataDir.resolve(LOCK_FILE)
                    + " but its PostgreSQL is not running (yet?): try again");
        }
        int port = Integer.parseInt(lines.get(3).trim());
        String password = Files.readString(dataDir.resolve(PASSWORD_FILE), StandardCharsets.US_ASCII).trim();
        HikariConfig config = poolConfig("jdbc:postgresql://localhost:" + port + "/postgres", 2);
        config.setUsername(SUPERUSER);
        config.setPassword(password);
        return new AuditDatabase(new HikariDataSource(config), null, null,
                "the running consumer's embedded PostgreSQL in " + dataDir.resolve(CLUSTER_DIR));
    }

    /**
     * Starts the embedded PostgreSQL in {@code <data dir>/postgres}, creating it on first start
     * (when {@code create}): the password file first (0600, atomically, synced), then the cluster
     * in {@code postgres.initialising} with SCRAM and that password from initdb on, started once
     * and stopped, then renamed into place. An interrupted start is completed by the next one.
     */
    private static AuditDatabase embedded(Path dataDir, FileChannel lock, int poolSize, boolean create) throws IOException {
        Path pgData = dataDir.resolve(CLUSTER_DIR);
        // Holding the lock, any server on the directory was left by a process that died.
        stopStaleServer(pgData);
        String password = superuserPassword(dataDir);
        if (!holdsCluster(pgData)) {
            if (!create) {
                throw new IllegalStateException("there is no audit database in " + pgData);
            }
            initialise(dataDir, password);
        }
        EmbeddedPostgres postgres = server(pgData, password).start();
        log.info("Embedded PostgreSQL started on localhost:{} with its data in {}", postgres.getPort(), pgData);
        HikariConfig config = poolConfig(postgres.getJdbcUrl(SUPERUSER, "postgres"), poolSize);
        config.setUsername(SUPERUSER);
        config.setPassword(password);
        return new AuditDatabase(new HikariDataSource(config), postgres, lock, "the embedded PostgreSQL in " + pgData);
    }

    private static String superuserPassword(Path dataDir) throws IOException {
        Path passwordFile = dataDir.resolve(PASSWORD_FILE);
        Path pgData = dataDir.resolve(CLUSTER_DIR);
        if (Files.exists(passwordFile)) {
            return Files.readString(passwordFile, StandardCharsets.US_ASCII).trim();
        }
        if (holdsCluster(pgData)) {
            throw new IllegalStateException(pgData + " holds a PostgreSQL cluster but its superuser password file "
                    + passwordFile + " is missing; refusing to start. Restore the file from the backup taken with the "
                    + "cluster.");
        }
        String password = newPassword();
        writePrivately(passwordFile, password);
        return password;
    }

    private static void initialise(Path dataDir, String password) throws IOException {
        Path staging = dataDir.resolve(STAGING_DIR);
        Path pgData = dataDir.resolve(CLUSTER_DIR);
        stopStaleServer(staging);
        deleteRecursively(staging);
        // zonky has no initdb option but passes each "locale" entry to initdb as --key=value,
        // after its own "-A trust": initdb's last --auth wins.
        EmbeddedPostgres.Builder builder = server(staging, password)
                .setLocaleConfig("auth", SCRAM)
                .setLocaleConfig("pwfile", dataDir.resolve(PASSWORD_FILE).toAbsolutePath().toString());
        try (EmbeddedPostgres first = builder.start()) {
            log.info("Created the embedded PostgreSQL cluster; its superuser password is in {}", dataDir.resolve(PASSWORD_FILE));
        }
        if (Files.exists(staging.resolve("postmaster.pid"))) {
            throw new IllegalStateException("the new PostgreSQL cluster in " + staging + " did not stop");
        }
        Files.deleteIfExists(pgData);
        Files.move(staging, pgData, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(dataDir);
    }

    private static EmbeddedPostgres.Builder server(Path pgData, String password) {
        return EmbeddedPostgres.builder()
                .setDataDirectory(pgData)
                .setCleanDataDirectory(false)
                // zonky's defaults are for throwaway data (fsync off, asynchronous commit); an
                // entry acknowledged to Kafka (its offset committed) must survive a power cut.
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .setConnectConfig("password", password)
                .setDataDirectoryCustomizer(dir -> requirePasswordForEveryConnection(dir.toPath()));
    }

    /** Refuses a {@code pg_hba.conf} with a rule other than SCRAM or reject: the log must not be writable without the password. */
    static void requirePasswordForEveryConnection(Path pgData) {
        Path hba = pgData.resolve("pg_hba.conf");
        try {
            for (String line : Files.readAllLines(hba)) {
                String rule = line.replaceFirst("#.*", "").trim();
                List<String> words = List.of(rule.split("\\s+"));
                if (!rule.isEmpty() && !words.contains(SCRAM) && !words.contains("reject")) {
                    throw new IllegalStateException(hba + " admits connections without the superuser's password (\""
                            + rule + "\"); the embedded PostgreSQL allows " + SCRAM + " only. Refusing to start it.");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + hba, e);
        }
    }

    private static boolean holdsCluster(Path pgData) throws IOException {
        if (!Files.isDirectory(pgData)) {
            return false;
        }
        try (var entries = Files.list(pgData)) {
            return entries.findAny().isPresent();
        }
    }

    private static String newPassword() {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private static void writePrivately(Path file, String text) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        try (FileChannel channel = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(file.getParent());
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static HikariConfig poolConfig(String url, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setPoolName("audit");
        config.setMaximumPoolSize(poolSize);
        // One multi-row INSERT per batch of entries instead of one statement each.
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        return config;
    }

    /** A server left behind by a killed JVM still holds {@code postmaster.pid}: stop it first. */
    private static void stopStaleServer(Path pgData) throws IOException {
        Path pidFile = pgData.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile);
        Optional<ProcessHandle> stale = lines.isEmpty() ? Optional.empty() : parsePid(lines.get(0))
                .flatMap(ProcessHandle::of)
                .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(false));
        if (stale.isPresent()) {
            log.warn("Stopping a PostgreSQL (pid {}) left running on {} by an earlier run", stale.get().pid(), pgData);
            stale.get().destroy();
            try {
                stale.get().onExit().get(STALE_SERVER_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception timeout) {
                stale.get().destroyForcibly();
            }
        }
    }

    private static Optional<Long> parsePid(String line) {
        try {
            return Optional.of(Long.parseLong(line.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Where the log is, for messages (never a password). */
    public String description() {
        return description;
    }

    @Override
    public void close() throws IOException {
        try {
            dataSource.close();
            if (embedded != null) {
                embedded.close();
            }
        } finally {
            if (lockChannel != null) {
                lockChannel.close();
            }
        }
    }
}
