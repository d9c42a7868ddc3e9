package org.opencmk.kms.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RecordParserTest {

    private static ParsedRecord parse(RecordKind kind, String json) throws UnsupportedSchemaException {
        return RecordParser.parse(kind, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anAuditRecordYieldsItsIdAndQueryColumns() throws Exception {
        ParsedRecord record = parse(RecordKind.AUDIT, """
                {"schemaVersion":1,"recordId":"r1","time":"2026-11-30T17:31:02.123456789Z","requestId":"q",
                 "action":"ReEncrypt","accountId":1001,"secretId":"AKIDa","keyId":"k2","sourceKeyId":"k1",
                 "targetAccount":1002,"targetSecretId":"AKIDb","outcome":"Success","micros":5,
                 "parameters":{"KeyId":"ignored"}}""");
        assertThat(record.valid()).isTrue();
        assertThat(record.id()).isEqualTo("r1");
        assertThat(record.time()).isEqualTo(Instant.parse("2026-11-30T17:31:02.123456Z")); // PostgreSQL's microseconds
        assertThat(record.action()).isEqualTo("ReEncrypt");
        assertThat(record.keyIds()).containsExactly("k2", "k1");
        assertThat(record.accountIds()).containsExactly(1001L, 1002L);
        assertThat(record.secretIds()).containsExactly("AKIDa", "AKIDb");
    }

    @Test
    void aCallThatResolvedNoKeyIsFoundByTheKeyItNamed() throws Exception {
        ParsedRecord record = parse(RecordKind.AUDIT, """
                {"schemaVersion":1,"recordId":"r1","time":"2026-11-30T17:31:02+08:00","action":"Encrypt",
                 "accountId":1001,"requestedKey":"payments","outcome":"ResourceUnavailable.CmkNotFound"}""");
        assertThat(record.keyIds()).containsExactly("payments");
        assertThat(record.time()).isEqualTo(Instant.parse("2026-11-30T09:31:02Z"));
        assertThat(record.secretIds()).isEmpty();
    }

    @Test
    void anEventYieldsItsIdTypeAndKeys() throws Exception {
        ParsedRecord event = parse(RecordKind.EVENT, """
                {"schemaVersion":1,"type":"AliasUpdated","eventId":"e1","keyId":"k2","accountId":1001,"sequence":3,
                 "time":"2026-11-30T17:31:02Z","payload":{"alias":"a","previousKeyId":"k1","keyId":"k2"}}""");
        assertThat(event.id()).isEqualTo("e1");
        assertThat(event.action()).isEqualTo("AliasUpdated");
        assertThat(event.keyIds()).containsExactly("k2", "k1");
        assertThat(event.accountIds()).containsExactly(1001L);
        assertThat(event.secretIds()).isEmpty();
    }

    @Test
    void valuesThatAreNoRecordAreInvalidWithoutAnId() throws Exception {
        assertThat(parse(RecordKind.AUDIT, "not json").invalid()).isEqualTo("not JSON");
        assertThat(parse(RecordKind.AUDIT, "").valid()).isFalse();
        assertThat(parse(RecordKind.AUDIT, "[1]").invalid()).isEqualTo("not a JSON object");
        assertThat(parse(RecordKind.AUDIT, "{\"schemaVersion\":1}").invalid()).isEqualTo("no recordId");
        assertThat(parse(RecordKind.AUDIT, "{\"recordId\":\"r\"}").invalid()).isEqualTo("no schemaVersion");
        assertThat(parse(RecordKind.AUDIT, "{\"schemaVersion\":0,\"recordId\":\"r\"}").valid()).isFalse();
        assertThat(parse(RecordKind.AUDIT, "{\"schemaVersion\":\"1\",\"recordId\":\"r\"}").valid()).isFalse();
        assertThat(parse(RecordKind.AUDIT, "{\"schemaVersion\":1,\"recordId\":7}").valid()).isFalse();
        assertThat(parse(RecordKind.EVENT, "{\"schemaVersion\":1,\"recordId\":\"r\"}").invalid()).isEqualTo("no eventId");
        // Two values for one field: which one counts would depend on the reader.
        assertThat(parse(RecordKind.AUDIT, "{\"schemaVersion\":1,\"recordId\":\"a\",\"recordId\":\"b\"}").valid()).isFalse();
        assertThat(parse(RecordKind.AUDIT, "{\"schemaVersion\":1,\"recordId\":\"a\"} {}").valid()).isFalse();
        // An id PostgreSQL could not store or index would stop the partition for good.
        assertThat(parse(RecordKind.AUDIT, "{\"schemaVersion\":1,\"recordId\":\"a\\u0000b\"}").valid()).isFalse();
        assertThat(parse(RecordKind.AUDIT, "{\"schemaVersion\":1,\"recordId\":\"" + "x".repeat(257) + "\"}").valid()).isFalse();
        assertThat(parse(RecordKind.AUDIT, "{\"schemaVersion\":1,\"recordId\":\"" + "x".repeat(256) + "\"}").valid()).isTrue();
    }

    @Test
    void fieldsAColumnCannotHoldAreLeftOutOfTheQueryColumns() throws Exception {
        ParsedRecord record = parse(RecordKind.AUDIT, "{\"schemaVersion\":1,\"recordId\":\"r\",\"action\":\""
                + "A".repeat(300) + "\",\"keyId\":\"k\\u0000\",\"secretId\":\"\",\"accountId\":\"1001\","
                + "\"targetAccount\":1e3,\"time\":\"+10000-01-01T00:00:00Z\"}");
        assertThat(record.valid()).isTrue();
        assertThat(record.action()).isNull();
        assertThat(record.keyIds()).isEmpty();
        assertThat(record.secretIds()).isEmpty();
        assertThat(record.accountIds()).isEmpty();
        assertThat(record.time()).isNull();
        assertThat(parse(RecordKind.AUDIT, "{\"schemaVersion\":1,\"recordId\":\"r\",\"time\":\"2026-11-30\"}").time()).isNull();
    }

    @Test
    void aNewerSchemaVersionIsRefused() {
        assertThatThrownBy(() -> parse(RecordKind.AUDIT, "{\"schemaVersion\":2,\"recordId\":\"r\"}"))
                .isInstanceOf(UnsupportedSchemaException.class)
                .hasMessageContaining("schemaVersion 2 of audit records");
        assertThatThrownBy(() -> parse(RecordKind.EVENT, "{\"schemaVersion\":2}"))
                .isInstanceOf(UnsupportedSchemaException.class);
    }
}
