package org.opencmk.kms.audit.support;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.opencmk.kms.events.AuditRecord;
import org.opencmk.kms.events.PublishedEvent;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records in exactly the published schema: the events module's {@link AuditRecord} and
 * {@link PublishedEvent}, as JSON objects without their null fields, keyed as the KMS keys them
 * (by keyId, else by accountId).
 */
public final class TestRecords {

    private static final JsonMapper JSON = JsonMapper.builder()
            .changeDefaultPropertyInclusion(inclusion -> JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.NON_NULL))
            .build();

    private TestRecords() {
    }

    public static String newId() {
        return UUID.randomUUID().toString();
    }

    /** An ordinary call: {@code action} by {@code accountId} with {@code secretId} on {@code keyId} (may be null). */
    public static AuditRecord call(String action, long accountId, String secretId, String keyId, Instant time,
            Map<String, Object> parameters) {
        return new AuditRecord(AuditRecord.SCHEMA_VERSION, newId(), time.toString(), newId(), action, accountId, secretId,
                "127.0.0.1", keyId, keyId == null ? null : newId(), null, null, null, null, null, AuditRecord.SUCCESS, 420,
                parameters);
    }

    /** {@code r} with the fields of a ReEncrypt, an administrative action or a call naming no key set. */
    public static AuditRecord with(AuditRecord r, String sourceKeyId, Long targetAccount, String targetSecretId,
            String requestedKey, String outcome) {
        return new AuditRecord(r.schemaVersion(), r.recordId(), r.time(), r.requestId(), r.action(), r.accountId(),
                r.secretId(), r.sourceAddress(), r.keyId(), r.keyVersionId(), sourceKeyId,
                sourceKeyId == null ? null : newId(), targetAccount, targetSecretId, requestedKey, outcome, r.micros(),
                r.parameters());
    }

    public static PublishedEvent event(String type, String keyId, long accountId, long sequence, Instant time,
            Map<String, Object> payload) {
        return new PublishedEvent(PublishedEvent.SCHEMA_VERSION, type, newId(), keyId, accountId, sequence,
                time.toString(), payload);
    }

    public static byte[] json(Object record) {
        return JSON.writeValueAsBytes(record);
    }

    /** The Kafka key the KMS gives a record: its keyId, or its accountId when it names no key. */
    public static String key(AuditRecord record) {
        return record.keyId() != null ? record.keyId() : String.valueOf(record.accountId());
    }

    public static String key(PublishedEvent event) {
        return event.keyId() != null ? event.keyId() : String.valueOf(event.accountId());
    }

    /** A producer as a durable publisher configures one: acknowledged by all replicas, idempotent. */
    public static KafkaProducer<String, byte[]> producer(String bootstrapServers) {
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // One batch in flight per connection: on a fresh partition whose leader is announced but not
        // yet serving, the first batch got NOT_LEADER_OR_FOLLOWER while the next ones overtook it,
        // and the idempotent producer then retried through OUT_OF_ORDER_SEQUENCE_NUMBER for minutes
        // (AuditChainIT failed so on a loaded machine, leaders awaited and all).
        properties.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        // While the broker is away, send() waits for it (up to this long) rather than failing.
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "120000");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(properties);
    }
}
