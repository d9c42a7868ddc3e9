package org.opencmk.kms.audit;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import org.opencmk.kms.audit.chain.ChainHead;
import org.opencmk.kms.audit.chain.ChainVerifier;
import org.opencmk.kms.audit.db.AuditDatabase;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * {@code verify}: reads the configuration the consumer reads (environment, {@code --audit.*}
 * arguments, application properties), opens the same database without changing it (no
 * migration; the embedded one is only started if no consumer is running on it) and recomputes
 * every chain ({@link ChainVerifier}). Prints each intact chain's head and the digest of all of
 * them, or a {@code BROKEN} line naming the first broken entry of each broken chain.
 */
public final class VerifyCommand {

    public static final String NAME = "verify";
    public static final int INTACT = 0;
    public static final int BROKEN = 1;
    public static final int FAILED = 2;

    private VerifyCommand() {
    }

    /** Only the configuration properties: no web server, no Kafka, no Flyway. */
    @EnableConfigurationProperties(AuditProperties.class)
    static class Settings {
    }

    /** @return {@link #INTACT}, {@link #BROKEN} or {@link #FAILED} */
    public static int run(String[] args, PrintStream out) {
        AuditProperties properties;
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Settings.class)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .logStartupInfo(false)
                .registerShutdownHook(false)
                .properties(Map.of("logging.level.root", "WARN"))
                .run(args)) {
            properties = context.getBean(AuditProperties.class);
        } catch (RuntimeException e) {
            out.println("verify failed: the configuration cannot be read: " + e.getMessage());
            return FAILED;
        }
        try (AuditDatabase database = AuditDatabase.forVerify(properties);
                Connection connection = database.dataSource().getConnection()) {
            if (!hasLog(connection)) {
                out.println("verify failed: " + database.description() + " holds no audit log (no table audit.entry)");
                return FAILED;
            }
            ChainVerifier.Result result = ChainVerifier.verify(connection);
            for (ChainVerifier.Break broken : result.breaks()) {
                out.println(broken.line());
            }
            for (ChainHead head : result.heads()) {
                out.println(head.line());
            }
            if (result.intact()) {
                out.println("digest=" + ChainHead.digest(result.heads()));
                out.println("OK: " + result.heads().size() + " chains, " + result.entries() + " entries intact in "
                        + database.description());
                return INTACT;
            }
            out.println("FAILED: " + result.breaks().size() + " of " + (result.breaks().size() + result.heads().size())
                    + " chains broken in " + database.description());
            return BROKEN;
        } catch (Exception e) {
            out.println("verify failed: " + e);
            return FAILED;
        }
    }

    private static boolean hasLog(Connection connection) throws java.sql.SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT to_regclass('audit.entry') IS NOT NULL");
                ResultSet row = select.executeQuery()) {
            return row.next() && row.getBoolean(1);
        }
    }
}
