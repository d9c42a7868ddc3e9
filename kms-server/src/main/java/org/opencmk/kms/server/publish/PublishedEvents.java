package org.opencmk.kms.server.publish;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.axonframework.eventhandling.DomainEventMessage;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.PublicKeyDer;
import org.opencmk.kms.events.PublishedEvent;

/**
 * Turns an event of the event store into the {@link PublishedEvent} the events topic carries:
 * value types written as their values ({@code "keyId": "…"}, not {@code {"value": "…"}}), times as
 * ISO-8601, and never the wrapped material or a material fingerprint.
 */
final class PublishedEvents {

    /** Fields of event records that are never published. */
    private static final String[] WITHHELD = {"material", "fingerprint"};

    private final ObjectMapper json = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .addMixIn(KeyId.class, StringValue.class)
            .addMixIn(KeyVersionId.class, StringValue.class)
            .addMixIn(AliasName.class, StringValue.class)
            .addMixIn(AccountId.class, LongValue.class)
            .addMixIn(PublicKeyDer.class, DerValue.class)
            .build();
    /** The owner of a key, for events that do not name it (every key event but KeyCreated). */
    private final Function<KeyId, Optional<AccountId>> owners;

    PublishedEvents(Function<KeyId, Optional<AccountId>> owners) {
        this.owners = owners;
    }

    /** The message's key: the key's id, or the account's when the event names no key. */
    record Message(String kafkaKey, byte[] value) {
    }

    Message of(DomainEventMessage<?> event) {
        Object payload = event.getPayload();
        ObjectNode fields = json.valueToTree(payload);
        for (String withheld : WITHHELD) {
            fields.remove(withheld);
        }
        String keyId = fields.path("keyId").isTextual() ? fields.path("keyId").asText() : null;
        Long accountId = fields.path("account").canConvertToLong() ? fields.path("account").asLong() : null;
        if (accountId == null && keyId != null) {
            accountId = owners.apply(new KeyId(keyId)).map(AccountId::value).orElse(null);
        }
        if (payload instanceof KeyCreated created) {
            accountId = created.account().value();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> payloadMap = json.convertValue(fields, Map.class);
        PublishedEvent published = new PublishedEvent(PublishedEvent.SCHEMA_VERSION,
                event.getPayloadType().getSimpleName(), event.getIdentifier(), keyId, accountId,
                event.getSequenceNumber(), event.getTimestamp().toString(), payloadMap);
        try {
            return new Message(keyId != null ? keyId : String.valueOf(accountId), json.writeValueAsBytes(published));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("event " + event.getIdentifier() + " cannot be written as JSON", e);
        }
    }

    private interface StringValue {
        @JsonValue
        String value();
    }

    private interface LongValue {
        @JsonValue
        long value();
    }

    private interface DerValue {
        @JsonValue
        byte[] der();
    }
}
