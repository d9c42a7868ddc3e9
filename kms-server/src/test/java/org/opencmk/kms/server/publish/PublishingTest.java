package org.opencmk.kms.server.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasCreated;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyCreated;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.PublicKeyDer;
import org.opencmk.kms.events.WrappedKeyMaterial;

/** What the publishers send, without a broker: the events topic's messages, and the audit stream's gaps. */
class PublishingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AccountId ACCOUNT = new AccountId(100_000_001L);
    private static final KeyId KEY = new KeyId("0f8b7d2c-3a4e-4c1b-9d6f-2b5e8a7c1d30");
    private static final KeyVersionId VERSION = new KeyVersionId("6a1e2f3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b");
    private static final Instant AT = Instant.parse("2026-11-30T08:00:00Z");
    private static final byte[] WRAPPED = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    private final PublishedEvents events = new PublishedEvents(keyId -> keyId.equals(KEY) ? Optional.of(ACCOUNT)
            : Optional.empty());

    @Test
    void aKeyEventIsKeyedByItsKeyNamesItsOwnerAndNeverCarriesMaterial() throws Exception {
        KeyVersionCreated created = new KeyVersionCreated(KEY, VERSION, new WrappedKeyMaterial(WRAPPED), false, AT,
                new PublicKeyDer(new byte[] {48, 1, 2}));
        PublishedEvents.Message message = events.of(new GenericDomainEventMessage<>("Cmk", KEY.value(), 3, created));

        assertThat(message.kafkaKey()).isEqualTo(KEY.value());
        JsonNode json = JSON.readTree(message.value());
        assertThat(json.path("schemaVersion").asInt()).isEqualTo(1);
        assertThat(json.path("type").asText()).isEqualTo("KeyVersionCreated");
        assertThat(json.path("keyId").asText()).isEqualTo(KEY.value());
        assertThat(json.path("accountId").asLong()).isEqualTo(ACCOUNT.value());
        assertThat(json.path("sequence").asLong()).isEqualTo(3);
        assertThat(json.path("eventId").asText()).isNotBlank();
        assertThat(Instant.parse(json.path("time").asText())).isNotNull();
        JsonNode payload = json.path("payload");
        assertThat(payload.path("versionId").asText()).isEqualTo(VERSION.value());
        assertThat(payload.path("createdAt").asText()).isEqualTo("2026-11-30T08:00:00Z");
        assertThat(payload.path("publicKey").asText()).isEqualTo("MAEC");
        assertThat(payload.has("material")).isFalse();
        assertThat(new String(message.value())).doesNotContain("AQIDBAUGBwgJ");
    }

    @Test
    void keyCreatedNamesItsOwnAccountAndAnAliasEventItsRegistrysAccount() throws Exception {
        KeyId elsewhere = new KeyId("3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
        KeyCreated created = new KeyCreated(elsewhere, new AccountId(7), KeySpec.AES_256, KeyUsage.ENCRYPT_DECRYPT,
                Origin.TENCENT_KMS, ProtectionLevel.SOFTWARE, "", KeyState.Enabled, AT);
        JsonNode key = JSON.readTree(events.of(new GenericDomainEventMessage<>("Cmk", elsewhere.value(), 0, created))
                .value());
        assertThat(key.path("accountId").asLong()).isEqualTo(7);
        assertThat(key.path("payload").path("keySpec").asText()).isEqualTo("AES_256");

        AliasCreated alias = new AliasCreated(ACCOUNT, new AliasName("payroll"), KEY);
        PublishedEvents.Message message = events.of(new GenericDomainEventMessage<>("AliasRegistry",
                ACCOUNT.toString(), 5, alias));
        JsonNode json = JSON.readTree(message.value());
        assertThat(message.kafkaKey()).isEqualTo(KEY.value());
        assertThat(json.path("accountId").asLong()).isEqualTo(ACCOUNT.value());
        assertThat(json.path("payload").path("alias").asText()).isEqualTo("payroll");
    }

    @Test
    void auditRowsArePublishedInOrderAndAGapIsWaitedForUntilItIsOld() {
        Instant now = Instant.parse("2026-11-30T08:00:30Z");
        AuditPublisher.Row one = row(11, now.minusSeconds(1));
        AuditPublisher.Row two = row(12, now.minusSeconds(1));
        AuditPublisher.Row afterGap = row(14, now.minusSeconds(1));
        assertThat(AuditPublisher.readyInOrder(List.of(one, two, afterGap), 10, now)).containsExactly(one, two);

        AuditPublisher.Row oldAfterGap = row(14, now.minus(Duration.ofSeconds(11)));
        assertThat(AuditPublisher.readyInOrder(List.of(one, two, oldAfterGap), 10, now))
                .containsExactly(one, two, oldAfterGap);
        assertThat(AuditPublisher.readyInOrder(List.of(afterGap), 10, now)).isEmpty();
    }

    private static AuditPublisher.Row row(long seq, Instant recordedAt) {
        return new AuditPublisher.Row(seq, recordedAt, "{}");
    }
}
