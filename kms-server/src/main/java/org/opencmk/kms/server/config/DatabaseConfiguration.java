package org.opencmk.kms.server.config;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
            try {
                Files.createDirectories(pgData);
                stopStaleServer(pgData);
                EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                        .setDataDirectory(pgData)
                        .setCleanDataDirectory(false)
                        .start();
                log.info("Embedded PostgreSQL started on 127.0.0.1:{} with its data in {}", postgres.getPort(), pgData);
                HikariConfig config = poolConfig(postgres.getJdbcUrl("postgres", "postgres"));
                return new Database(new HikariDataSource(config), postgres);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + pgData, e);
            }
        }

        private static HikariConfig poolConfig(String url) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setPoolName("kms");
            config.setMaximumPoolSize(16);
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
