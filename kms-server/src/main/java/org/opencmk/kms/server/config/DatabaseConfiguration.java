package org.opencmk.kms.server.config;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
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
    private static final String SUPERUSER = "postgres";
    /** Connections to PostgreSQL; the blocking scheduler has as many threads. */
    public static final int POOL_SIZE = 16;

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

        static Database embedded(Path dataDir) {
            Path pgData = dataDir.resolve("postgres");
            Path passwordFile = dataDir.resolve(PASSWORD_FILE);
            try {
                Files.createDirectories(pgData);
                stopStaleServer(pgData);
                boolean secured = Files.exists(passwordFile);
                String password = secured ? Files.readString(passwordFile).trim() : newPassword();
                EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                        .setDataDirectory(pgData)
                        .setCleanDataDirectory(false)
                        // zonky starts PostgreSQL for throwaway test data: fsync off (-F) and
                        // asynchronous commit. A KMS must never lose an acknowledged key, so both
                        // go back to PostgreSQL's durable defaults (a later -c wins over -F).
                        .setServerConfig("fsync", "on")
                        .setServerConfig("synchronous_commit", "on")
                        .setServerConfig("full_page_writes", "on");
                if (secured) {
                    builder.setConnectConfig("password", password);
                }
                EmbeddedPostgres postgres = builder.start();
                if (!secured) {
                    requirePassword(postgres, pgData, password);
                    writePrivately(passwordFile, password);
                }
                log.info("Embedded PostgreSQL started on 127.0.0.1:{} with its data in {}", postgres.getPort(), pgData);
                HikariConfig config = poolConfig(postgres.getJdbcUrl("postgres", "postgres"));
                config.setUsername(SUPERUSER);
                config.setPassword(password);
                return new Database(new HikariDataSource(config), postgres);
            } catch (IOException | java.sql.SQLException e) {
                throw new IllegalStateException("cannot start the embedded PostgreSQL in " + pgData, e);
            }
        }

        /**
         * zonky initialises PostgreSQL with "trust" authentication: any local user could connect
         * and alter keys' state or delete their key-encryption keys. On first start the superuser
         * gets a random password (kept next to the data, 0600) and every connection must give it.
         */
        private static void requirePassword(EmbeddedPostgres postgres, Path pgData, String password)
                throws IOException, java.sql.SQLException {
            try (var connection = postgres.getPostgresDatabase().getConnection();
                 var statement = connection.createStatement()) {
                statement.execute("SET password_encryption = 'scram-sha-256'");
                statement.execute("ALTER USER " + SUPERUSER + " PASSWORD '" + password + "'");
                Files.writeString(pgData.resolve("pg_hba.conf"), """
                        # Written by the KMS: password (SCRAM) authentication only.
                        local all all scram-sha-256
                        host all all 127.0.0.1/32 scram-sha-256
                        host all all ::1/128 scram-sha-256
                        """);
                statement.execute("SELECT pg_reload_conf()");
            }
        }

        private static String newPassword() {
            byte[] random = new byte[24];
            new java.security.SecureRandom().nextBytes(random);
            return java.util.HexFormat.of().formatHex(random);
        }

        private static void writePrivately(Path file, String text) throws IOException {
            Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temp, text);
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }

        private static HikariConfig poolConfig(String url) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setPoolName("kms");
            config.setMaximumPoolSize(POOL_SIZE);
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
