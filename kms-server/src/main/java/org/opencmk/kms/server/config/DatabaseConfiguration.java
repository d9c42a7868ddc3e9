package org.opencmk.kms.server.config;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
import javax.sql.DataSource;
import org.opencmk.kms.server.KmsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * One PostgreSQL holds the event, token, saga and deadline stores and the KMS's own tables:
 * {@code KMS_DB_URL} names an external server; without it an embedded PostgreSQL keeps its
 * data in {@code <data dir>/postgres} across restarts.
 *
 * <p>The DataSource is defined here, not through {@code spring.datasource.*}: with that
 * property set, Axon's JDBC auto-configuration backs off and there is no event store at all.
 */
@Configuration(proxyBeanMethods = false)
public class DatabaseConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DatabaseConfiguration.class);
    private static final Duration STALE_SERVER_STOP_TIMEOUT = Duration.ofSeconds(10);
    /** The embedded PostgreSQL superuser's password, in the data directory. */
    static final String PASSWORD_FILE = "postgres-password";
    /** The embedded cluster, in the data directory. */
    static final String CLUSTER_DIR = "postgres";
    /** Where a new cluster is created before it is complete; never holds the KMS's data. */
    static final String STAGING_DIR = "postgres.initialising";
    private static final String SUPERUSER = "postgres";
    /** Connections to PostgreSQL; the blocking scheduler has as many threads. */
    public static final int POOL_SIZE = 16;
    private static final String SCRAM = "scram-sha-256";

    @Bean(destroyMethod = "close")
    public Database database(KmsProperties properties) {
        return properties.db().external() ? Database.external(properties.db()) : Database.embedded(properties.dataDir());
    }

    @Bean
    public DataSource dataSource(Database database) {
        return database.dataSource();
    }

    /** The pooled DataSource and, when embedded, the PostgreSQL server behind it. */
    public static final class Database implements AutoCloseable {
        private final HikariDataSource dataSource;
        private final EmbeddedPostgres embedded;

        private Database(HikariDataSource dataSource, EmbeddedPostgres embedded) {
            this.dataSource = dataSource;
            this.embedded = embedded;
        }

        static Database external(KmsProperties.Db db) {
            HikariConfig config = poolConfig(db.url());
            config.setUsername(db.user());
            config.setPassword(db.password());
            return new Database(new HikariDataSource(config), null);
        }

        /**
         * Starts the embedded PostgreSQL in {@code <data dir>/postgres}, creating it on first start.
         *
         * <p>No local user may ever connect without the superuser's password, and a start
         * interrupted at any step must not lock the KMS out of its own database. So each step
         * leaves a state the next start recognises:
         * <ol>
         *   <li>the password file is written (0600, atomically, synced) before anything else;
         *   <li>the cluster is created in {@code postgres.initialising} by initdb with SCRAM
         *       authentication and that password from the start, started once (which proves it
         *       complete and the password right) and stopped;
         *   <li>only then is it renamed to {@code postgres}, atomically.
         * </ol>
         * A start that finds the password file but no {@code postgres} redoes step 2 with the same
         * password, discarding what an interrupted initdb left (the KMS never writes there). A
         * cluster without its password file, or one whose {@code pg_hba.conf} admits anything but
         * SCRAM, is not started at all: the operator decides (see {@link #superuserPassword}).
         */
        static Database embedded(Path dataDir) {
            Path pgData = dataDir.resolve(CLUSTER_DIR);
            try {
                Files.createDirectories(dataDir);
                stopStaleServer(pgData);
                String password = superuserPassword(dataDir);
                if (!holdsCluster(pgData)) {
                    initialise(dataDir, password);
                }
                EmbeddedPostgres postgres = server(pgData, password).start();
                log.info("Embedded PostgreSQL started on 127.0.0.1:{} with its data in {}", postgres.getPort(), pgData);
                HikariConfig config = poolConfig(postgres.getJdbcUrl(SUPERUSER, "postgres"));
                config.setUsername(SUPERUSER);
                config.setPassword(password);
                return new Database(new HikariDataSource(config), postgres);
            } catch (IOException e) {
                throw new IllegalStateException("cannot start the embedded PostgreSQL in " + pgData, e);
            }
        }

        /**
         * The superuser's password: the one in the password file, or a new one written there
         * before any cluster exists. A cluster found without the file is refused rather than
         * given a new password, which it would not accept: every cluster this class creates had
         * its file first, so the file was lost (restore it), or the cluster comes from an
         * interrupted first start of a version that set the password afterwards (it holds no
         * keys yet: delete it).
         */
        private static String superuserPassword(Path dataDir) throws IOException {
            Path passwordFile = dataDir.resolve(PASSWORD_FILE);
            Path pgData = dataDir.resolve(CLUSTER_DIR);
            if (Files.exists(passwordFile)) {
                return Files.readString(passwordFile, StandardCharsets.US_ASCII).trim();
            }
            if (holdsCluster(pgData)) {
                throw new IllegalStateException(pgData + " holds a PostgreSQL cluster but its superuser password file "
                        + passwordFile + " is missing; refusing to start. Restore the file from the backup taken with "
                        + "the cluster. If the cluster comes from an interrupted first start (no key was ever created), "
                        + "delete " + pgData + " instead and start again.");
            }
            String password = newPassword();
            writePrivately(passwordFile, password);
            return password;
        }

        /** Step 2 and 3 of {@link #embedded}: a complete, password-protected cluster, then renamed into place. */
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
            Files.deleteIfExists(pgData); // an empty directory left by an earlier version; a cluster is never here
            Files.move(staging, pgData, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(dataDir);
        }

        private static EmbeddedPostgres.Builder server(Path pgData, String password) {
            return EmbeddedPostgres.builder()
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    // zonky starts PostgreSQL for throwaway test data: fsync off (-F) and
                    // asynchronous commit. A KMS must never lose an acknowledged key, so both
                    // go back to PostgreSQL's durable defaults (a later -c wins over -F).
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setConnectConfig("password", password)
                    // Stopped by the DataSource bean's close, when the application context closes
                    // (on SIGTERM too), after every bean that uses the database is done: zonky's own
                    // shutdown hook would stop it at the same time as the context, under the feet of
                    // what still writes on the way out (the key view's last snapshot).
                    .setRegisterShutdownHook(false)
                    // Runs after initdb and before every start of the server.
                    .setDataDirectoryCustomizer(dir -> requirePasswordForEveryConnection(dir.toPath()));
        }

        /**
         * Refuses to start a server whose {@code pg_hba.conf} has a rule other than SCRAM (or
         * reject): trust, peer or ident would let a local user in without the password, to alter
         * keys' state or delete their key-encryption keys.
         */
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

        /** A cluster is there once {@code postgres} exists with anything in it: only a rename puts it there. */
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

        /** Written to a 0600 temporary file, synced, renamed into place, and the rename synced too. */
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

        /** Makes renames in {@code dir} durable: a power cut must not undo them after the KMS relied on them. */
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

        private static HikariConfig poolConfig(String url) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setPoolName("kms");
            // One more for the audit committer, so that audit commits never wait behind blocking work.
            config.setMaximumPoolSize(POOL_SIZE + 1);
            return config;
        }

        /**
         * A server left behind by a killed JVM still holds {@code postmaster.pid}, and a new one
         * would refuse to start on the same data directory: stop it first.
         */
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
                    stale.get().onExit().get(STALE_SERVER_STOP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
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

        @Override
        public void close() throws IOException {
            dataSource.close();
            if (embedded != null) {
                embedded.close();
            }
        }
    }
}
