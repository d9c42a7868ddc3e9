package org.opencmk.kms.server;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Everything an operator can set, under {@code kms.*} (environment: {@code KMS_*}, e.g.
 * {@code KMS_DATA_DIR}, {@code KMS_DB_URL}, {@code KMS_ROOT_KEY}, {@code KMS_BOOTSTRAP_SECRET_ID},
 * {@code KMS_TLS_CERT}).
 *
 * @param dataDir where the embedded database, the root key file and the bootstrap credentials live
 * @param rootKey base64 root key of the software keystore; overrides the root key file
 * @param dayLength the length of a "day" in pending windows; only tests shorten it
 * @param asymmetricVersionLimit how many asymmetric key versions one account may hold ({@code
 *     KMS_ASYMMETRIC_VERSION_LIMIT}; CTyun's 50 by default)
 * @param rebuild the administrative rebuild of the key view (RebuildProjections)
 * @param hsm the PKCS#11 token of the HSM protection level; none by default
 * @param keyView the key view's snapshots
 */
@ConfigurationProperties("kms")
public record KmsProperties(
        @DefaultValue("./kms-data") Path dataDir,
        String rootKey,
        @DefaultValue Db db,
        @DefaultValue Bootstrap bootstrap,
        @DefaultValue Throttle throttle,
        @DefaultValue Cache cache,
        @DefaultValue Tls tls,
        @DefaultValue Auth auth,
        @DefaultValue Audit audit,
        @DefaultValue Kafka kafka,
        @DefaultValue Rebuild rebuild,
        @DefaultValue("P1D") Duration dayLength,
        @DefaultValue("50") int asymmetricVersionLimit,
        @DefaultValue Hsm hsm,
        @DefaultValue KeyView keyView) {

    /** An external PostgreSQL; with no url the server runs an embedded one in the data directory. */
    public record Db(String url, String user, String password) {
        public boolean external() {
            return url != null && !url.isBlank();
        }
    }

    /** The first credential of the default account; generated when not given. */
    public record Bootstrap(String secretId, String secretKey) {
        public boolean given() {
            return secretId != null && !secretId.isBlank() && secretKey != null && !secretKey.isBlank();
        }
    }

    /** Per-account request rate: a token bucket refilled at {@code requestsPerSecond}. */
    public record Throttle(@DefaultValue("5000") long requestsPerSecond, @DefaultValue("5000") long burst) {
    }

    /**
     * HTTPS: a PEM certificate chain (server certificate first) and its unencrypted PEM private key.
     * Both or neither; with neither the server speaks plain HTTP.
     */
    public record Tls(Path cert, Path key) {
    }

    /**
     * Request authentication. {@code requireSignedAction} ({@code KMS_AUTH_REQUIRE_SIGNED_ACTION})
     * refuses requests whose signature does not cover {@code X-TC-Action}; off by default because
     * the official SDKs sign only {@code content-type;host}.
     */
    public record Auth(@DefaultValue("false") boolean requireSignedAction) {
    }

    /**
     * The audit trail. {@code durable} ({@code KMS_AUDIT_DURABLE}): every call's record is
     * committed before the call is answered; turning it off is for the benchmark's comparison only.
     */
    public record Audit(@DefaultValue("true") boolean durable) {
    }

    /**
     * Publishing to Kafka (issue 15), on when {@code bootstrapServers} ({@code
     * KMS_KAFKA_BOOTSTRAP_SERVERS}) is set: audit records to {@code auditTopic} ({@code
     * KMS_KAFKA_AUDIT_TOPIC}), events to {@code eventsTopic} ({@code KMS_KAFKA_EVENTS_TOPIC}).
     */
    /**
     * @param deliveryTimeout how long a send may wait for Kafka's acknowledgement ({@code
     *     KMS_KAFKA_DELIVERY_TIMEOUT}, default 20 s); a batch not acknowledged by then is read and
     *     sent again later, so this bounds how long a publisher waits, not what an outage loses
     */
    public record Kafka(String bootstrapServers, @DefaultValue("kms.audit") String auditTopic,
                        @DefaultValue("kms.events") String eventsTopic,
                        @DefaultValue("20s") Duration deliveryTimeout) {

        public Kafka {
            if (deliveryTimeout != null && deliveryTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("KMS_KAFKA_DELIVERY_TIMEOUT must be at least 1s: " + deliveryTimeout);
            }
        }

        public boolean enabled() {
            return bootstrapServers != null && !bootstrapServers.isBlank();
        }
    }

    /**
     * RebuildProjections logs its progress every {@code progressEvery} events read ({@code
     * KMS_REBUILD_PROGRESS_EVERY}), and once more at the end.
     */
    public record Rebuild(@DefaultValue("10000") int progressEvery) {
    }

    /** Unwrapped key material kept in memory for the cryptographic path. */
    public record Cache(@DefaultValue("10000") int maximumKeys, @DefaultValue("PT10M") Duration expireAfterAccess) {
    }

    /**
     * The HSM protection level (issue 16): a PKCS#11 library ({@code KMS_HSM_PKCS11_LIBRARY}),
     * its token by label ({@code KMS_HSM_TOKEN_LABEL}) or by slot index ({@code
     * KMS_HSM_SLOT_INDEX}), and the user PIN ({@code KMS_HSM_PIN}, or a file holding it, {@code
     * KMS_HSM_PIN_FILE}). Without a library, HSM keys are refused.
     */
    public record Hsm(String pkcs11Library, String tokenLabel, Integer slotIndex, String pin, Path pinFile) {

        public boolean configured() {
            return pkcs11Library != null && !pkcs11Library.isBlank();
        }

        /** The HSM's name as CreateKey's and KeyMetadata's HsmClusterId; null without an HSM. */
        public String clusterId() {
            if (!configured()) {
                return null;
            }
            return tokenLabel != null && !tokenLabel.isBlank() ? tokenLabel : "slot-" + (slotIndex == null ? 0 : slotIndex);
        }

        @Override
        public String toString() {
            return "Hsm[pkcs11Library=" + pkcs11Library + ", tokenLabel=" + tokenLabel + ", slotIndex=" + slotIndex
                    + ", pin=" + (pin == null ? "none" : "redacted") + ", pinFile=" + pinFile + "]";
        }
    }

    /**
     * The key view's snapshots (issue 17): one is written once the event store has grown by
     * {@code snapshotEvery} events ({@code KMS_KEY_VIEW_SNAPSHOT_EVERY}, default 10,000) since
     * the newest (or by a quarter of the view's keys, if more), and when the server stops; a
     * start restores the newest and applies only the events after it. 0 turns
     * snapshots off, written and read: every start then rebuilds from every event (the
     * benchmark's replay row measures that).
     */
    public record KeyView(@DefaultValue("10000") long snapshotEvery) {

        public KeyView {
            if (snapshotEvery < 0) {
                throw new IllegalArgumentException("KMS_KEY_VIEW_SNAPSHOT_EVERY must not be negative: " + snapshotEvery);
            }
        }

        public boolean snapshots() {
            return snapshotEvery > 0;
        }
    }
}
