package org.opencmk.kms.server.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;

class EncryptionContextTest {

    @Test
    void orderAndWhitespaceDoNotChangeTheAuthenticatedForm() {
        byte[] compact = EncryptionContext.canonical("{\"b\":\"2\",\"a\":\"1\"}");
        byte[] spaced = EncryptionContext.canonical(" { \"a\" : \"1\" ,\n \"b\" : \"2\" } ");
        assertThat(compact).isEqualTo(spaced);
        assertThat(new String(compact, StandardCharsets.UTF_8)).isEqualTo("{\"a\":\"1\",\"b\":\"2\"}");
    }

    @Test
    void anyDifferentValueChangesTheAuthenticatedForm() {
        assertThat(EncryptionContext.canonical("{\"a\":\"1\"}")).isNotEqualTo(EncryptionContext.canonical("{\"a\":\"2\"}"));
        assertThat(EncryptionContext.canonical("{\"a\":\"1\"}")).isNotEqualTo(EncryptionContext.canonical("{\"A\":\"1\"}"));
    }

    @Test
    void noContextAndAnEmptyObjectAreTheSame() {
        assertThat(EncryptionContext.canonical(null)).isEmpty();
        assertThat(EncryptionContext.canonical("")).isEmpty();
        assertThat(EncryptionContext.canonical("{}")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[\"a\"]", "\"text\"", "{\"a\":1}", "{\"a\":{\"b\":\"c\"}}", "{\"a\":null}", "{\"a\":\"1\""})
    void anythingButAnObjectOfStringsIsRefused(String context) {
        assertThatThrownBy(() -> EncryptionContext.canonical(context))
                .isInstanceOf(KmsException.class)
                .extracting(e -> ((KmsException) e).error())
                .isEqualTo(KmsError.INVALID_PARAMETER_VALUE);
    }

    @Test
    void moreThan1024CharactersAreRefused() {
        String largest = "{\"k\":\"" + "v".repeat(EncryptionContext.MAX_LENGTH - 8) + "\"}";
        assertThat(largest).hasSize(EncryptionContext.MAX_LENGTH);
        assertThat(EncryptionContext.canonical(largest)).isNotEmpty();
        assertThatThrownBy(() -> EncryptionContext.canonical("{\"k\":\"" + "v".repeat(EncryptionContext.MAX_LENGTH - 7) + "\"}"))
                .isInstanceOf(KmsException.class);
    }
}
