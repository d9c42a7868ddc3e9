package org.opencmk.kms.server.config;

import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.opencmk.kms.server.config.DatabaseConfiguration.CLUSTER_DIR;
import static org.opencmk.kms.server.config.DatabaseConfiguration.PASSWORD_FILE;
import static org.opencmk.kms.server.config.DatabaseConfiguration.STAGING_DIR;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.server.config.DatabaseConfiguration.Database;

/**
 * The embedded PostgreSQL admits no connection without its superuser's password from its very
 * first start, and a first start interrupted at any step is completed by the next one without
 * locking the KMS out. Each interrupted state is made by hand in a fresh data directory.
 */
class EmbeddedDatabaseIT {

    private static final String PASSWORD_LEFT_BY_A_CRASH = "0123456789abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path dataDir;

    @Test
    void fromTheFirstStartNoConnectionGetsInWithoutThePassword() throws Exception {
        try (Database database = Database.embedded(dataDir)) {
            String url = jdbcUrl(database);
            assertThat(Files.getPosixFilePermissions(dataDir.resolve(PASSWORD_FILE))).containsExactlyInAnyOrder(OWNER_READ, OWNER_WRITE);
            assertThatThrownBy(() -> connect(url, null)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("SCRAM-based authentication, but no password was provided");
            assertThatThrownBy(() -> connect(url, "wrong")).isInstanceOf(SQLException.class)
                    .extracting(e -> ((SQLException) e).getSQLState()).as("invalid password").isEqualTo("28P01");
            assertThat(hbaRules(dataDir.resolve(CLUSTER_DIR))).as("initdb wrote them; nothing rewrote them later")
                    .isNotEmpty().allSatisfy(rule -> assertThat(rule).endsWith("scram-sha-256"));
            try (Connection connection = database.dataSource().getConnection()) {
                connection.createStatement().execute("CREATE TABLE kept (id int)");
            }
        }
        assertThat(dataDir.resolve(STAGING_DIR)).doesNotExist();

        try (Database again = Database.embedded(dataDir);
             Connection connection = again.dataSource().getConnection()) {
            assertThat(connection.createStatement().executeQuery("SELECT count(*) FROM kept").next()).isTrue();
        }
    }

    @Test
    void aStartInterruptedDuringInitdbIsRedoneWithThePasswordAlreadyWritten() throws Exception {
        writePasswordFile(PASSWORD_LEFT_BY_A_CRASH);
        Path halfMade = Files.createDirectories(dataDir.resolve(STAGING_DIR).resolve("global"));
        Files.writeString(halfMade.resolveSibling("PG_VERSION"), "16\n");
        Files.writeString(halfMade.resolveSibling("postgresql.conf"), "");

        try (Database database = Database.embedded(dataDir)) {
            connect(jdbcUrl(database), PASSWORD_LEFT_BY_A_CRASH).close();
        }
        assertThat(dataDir.resolve(PASSWORD_FILE)).hasContent(PASSWORD_LEFT_BY_A_CRASH);
        assertThat(dataDir.resolve(STAGING_DIR)).doesNotExist();
        assertThat(dataDir.resolve(CLUSTER_DIR).resolve("PG_VERSION")).exists();
    }

    @Test
    void aStartKilledWhileTheNewClusterRanStopsItAndCompletes() throws Exception {
        writePasswordFile(PASSWORD_LEFT_BY_A_CRASH);
        // What a JVM killed during its first start leaves: the new cluster's server still running.
        EmbeddedPostgres.builder().setDataDirectory(dataDir.resolve(STAGING_DIR))
                .setCleanDataDirectory(false).setRegisterShutdownHook(false).start();
        long stalePid = Long.parseLong(Files.readAllLines(dataDir.resolve(STAGING_DIR).resolve("postmaster.pid")).get(0).trim());

        try (Database database = Database.embedded(dataDir)) {
            connect(jdbcUrl(database), PASSWORD_LEFT_BY_A_CRASH).close();
        }
        assertThat(ProcessHandle.of(stalePid).map(ProcessHandle::isAlive)).as("the stale server").isNotEqualTo(java.util.Optional.of(true));
        assertThat(dataDir.resolve(STAGING_DIR)).doesNotExist();
    }

    @Test
    void aClusterWithoutItsPasswordFileIsRefusedAndLeftAlone() throws Exception {
        Database.embedded(dataDir).close();
        Files.delete(dataDir.resolve(PASSWORD_FILE));

        assertThatThrownBy(() -> Database.embedded(dataDir)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(dataDir.resolve(PASSWORD_FILE).toString()).hasMessageContaining("Restore");
        assertThat(dataDir.resolve(PASSWORD_FILE)).as("no new password the cluster would not accept").doesNotExist();
        assertThat(dataDir.resolve(CLUSTER_DIR).resolve("PG_VERSION")).exists();
    }

    @Test
    void aClusterThatAdmitsConnectionsWithoutThePasswordIsNotStarted() throws Exception {
        Database.embedded(dataDir).close();
        Path pgData = dataDir.resolve(CLUSTER_DIR);
        Files.writeString(pgData.resolve("pg_hba.conf"), "host all all 127.0.0.1/32 trust\n", StandardOpenOption.APPEND);

        assertThatThrownBy(() -> Database.embedded(dataDir)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("host all all 127.0.0.1/32 trust");
        assertThat(pgData.resolve("postmaster.pid")).as("never started").doesNotExist();
    }

    private void writePasswordFile(String password) throws Exception {
        Path file = Files.createFile(dataDir.resolve(PASSWORD_FILE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, password);
    }

    private static String jdbcUrl(Database database) {
        return ((HikariDataSource) database.dataSource()).getJdbcUrl();
    }

    private static Connection connect(String url, String password) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        if (password != null) {
            properties.setProperty("password", password);
        }
        return DriverManager.getConnection(url, properties);
    }

    private static List<String> hbaRules(Path pgData) throws Exception {
        return Files.readAllLines(pgData.resolve("pg_hba.conf")).stream()
                .map(line -> line.replaceFirst("#.*", "").trim())
                .filter(rule -> !rule.isEmpty())
                .toList();
    }
}
