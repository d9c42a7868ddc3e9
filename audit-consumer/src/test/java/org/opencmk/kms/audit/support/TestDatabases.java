package org.opencmk.kms.audit.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throwaway PostgreSQL for the tests that give the consumer an external database
 * ({@code audit.db.url}): one server per test class, a fresh database per consumer.
 */
public final class TestDatabases implements AutoCloseable {

    private static final AtomicInteger NEXT = new AtomicInteger();
    private final EmbeddedPostgres postgres;

    private TestDatabases(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static TestDatabases start() {
        try {
            return new TestDatabases(EmbeddedPostgres.builder().start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new empty database: its JDBC URL. */
    public String create() {
        String name = "audit_" + NEXT.incrementAndGet();
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return url(name);
    }

    public String url(String database) {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
    }

    /** Lets clients connect to the database {@code url} names, or refuses them and drops those connected. */
    public void allowConnections(String url, boolean allow) {
        String name = url.substring(url.lastIndexOf('/') + 1);
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS " + allow);
            if (!allow) {
                statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name + "'");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The consumer's settings for database {@code url}. */
    public static Map<String, String> settings(String url) {
        return Map.of("audit.db.url", url, "audit.db.user", "postgres");
    }

    public Connection connect(String url) throws SQLException {
        return java.sql.DriverManager.getConnection(url, "postgres", "");
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
