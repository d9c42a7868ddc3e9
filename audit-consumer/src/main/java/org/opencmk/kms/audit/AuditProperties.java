package org.opencmk.kms.audit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything an operator can set, under {@code audit.*} (environment: {@code AUDIT_*}, e.g.
 * {@code AUDIT_KAFKA_BOOTSTRAP_SERVERS}, {@code AUDIT_DATA_DIR}, {@code AUDIT_DB_URL}). The HTTP
 * port is Spring's {@code server.port} ({@code SERVER_PORT}).
 *
 * @param dataDir where the embedded PostgreSQL keeps its data (unused with {@code db.url})
 */
@ConfigurationProperties("audit")
public record AuditProperties(
        @DefaultValue("./audit-data") Path dataDir,
        @DefaultValue Db db,
        @DefaultValue Kafka kafka) {

    /** An external PostgreSQL; with no url the consumer runs an embedded one in the data directory. */
    public record Db(String url, String user, String password) {
        public boolean external() {
            return url != null && !url.isBlank();
        }
    }

    /**
     * The topics the KMS publishes to and how to read them.
     *
     * @param groupId the consumer group: Kafka's committed offsets (for lag monitoring) are kept
     *     under it; where to resume is the database's, see {@code ChainStore}
     * @param maxPollRecords the most records chained in one database transaction
     * @param retryBackoff the first pause after a failed database transaction; it doubles up to
     *     {@code maxRetryBackoff} while the failures go on
     * @param properties further Kafka consumer settings ({@code security.protocol}, {@code sasl.*},
     *     {@code ssl.*}, …), passed as they are; they cannot override the settings the chain relies
     *     on (manual commits, byte-array values, read_committed)
     */
    public record Kafka(
            @DefaultValue("127.0.0.1:9092") String bootstrapServers,
            @DefaultValue("kms.audit") String auditTopic,
            @DefaultValue("kms.events") String eventsTopic,
            @DefaultValue("kms-audit-consumer") String groupId,
            @DefaultValue("500") int maxPollRecords,
            @DefaultValue("PT0.2S") Duration retryBackoff,
            @DefaultValue("PT30S") Duration maxRetryBackoff,
            @DefaultValue Map<String, String> properties) {
    }
}
