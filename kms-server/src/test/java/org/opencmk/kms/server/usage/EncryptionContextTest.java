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
        assertRefused(context);
    }

    /** Before, {"a":"1"}{"b":"2"} was authenticated as {"a":"1"}: only the first value was read. */
    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":\"1\"}{\"b\":\"2\"}", "{\"a\":\"1\"} {}", "{\"a\":\"1\"}\"x\"", "{\"a\":\"1\"} 1",
            "{\"a\":\"1\"}]", "{\"a\":\"1\"}}", "{}{}", "{\"a\":\"1\"} null"})
    void anythingAfterTheObjectIsRefused(String context) {
        assertRefused(context);
    }

    /** Before, the last of two equal keys won, so {"a":"1","a":"2"} was authenticated as {"a":"2"}. */
    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":\"1\",\"a\":\"2\"}", "{\"a\":\"1\",\"a\":\"1\"}", "{\"a\":\"1\",\"b\":\"2\",\"\\u0061\":\"3\"}"})
    void aKeyGivenTwiceIsRefused(String context) {
        assertRefused(context);
    }

    /** JSON that only lenient parsers read: comments, single quotes, trailing commas, bare names. */
    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":\"1\"} // note", "/* x */ {\"a\":\"1\"}", "{'a':'1'}", "{\"a\":\"1\",}", "{a:\"1\"}",
            "{\"a\":\"1\" \"b\":\"2\"}", " ", "null", "{\"a\":[\"1\"]}", "{\"a\":true}"})
    void lenientOrOtherShapesAreRefused(String context) {
        assertRefused(context);
    }

    /**
     * A lone surrogate cannot be written as UTF-8: it would become '?' in the authenticated form,
     * so {"a":"\ud800"} would authenticate as {"a":"?"}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":\"\\ud800\"}", "{\"a\":\"x\\udc00\"}", "{\"\\ud800\":\"a\"}", "{\"a\":\"\\ude00\\ud83d\"}"})
    void textThatIsNotWellFormedUnicodeIsRefused(String context) {
        assertRefused(context);
        assertThat(EncryptionContext.canonical("{\"a\":\"?\"}")).isNotEmpty();
    }

    /**
     * Ciphertexts made before this check must still decrypt: the canonical bytes of a valid
     * context are pinned (sorted keys, JSON escapes only for quote, backslash and control
     * characters, everything else as UTF-8).
     */
    @Test
    void theCanonicalFormOfValidContextsIsPinned() {
        String context = "{ \"z\" : \"\u00e9 \\\"q\\\" \\\\ / \\u0001\\n\\t\", \"a\":\"\u4e2d\u6587\","
                + " \"A\":\"\\ud83d\\ude00\", \"\":\"\"}";
        assertThat(new String(EncryptionContext.canonical(context), StandardCharsets.UTF_8))
                .isEqualTo("{\"\":\"\",\"A\":\"\ud83d\ude00\",\"a\":\"\u4e2d\u6587\",\"z\":\"\u00e9 \\\"q\\\" \\\\ / \\u0001\\n\\t\"}");
        assertThat(EncryptionContext.canonical("{\"app\":\"billing\",\"env\":\"prod\"}"))
                .isEqualTo("{\"app\":\"billing\",\"env\":\"prod\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void moreThan1024CharactersAreRefused() {
        String largest = "{\"k\":\"" + "v".repeat(EncryptionContext.MAX_LENGTH - 8) + "\"}";
        assertThat(largest).hasSize(EncryptionContext.MAX_LENGTH);
        assertThat(EncryptionContext.canonical(largest)).isNotEmpty();
        assertThatThrownBy(() -> EncryptionContext.canonical("{\"k\":\"" + "v".repeat(EncryptionContext.MAX_LENGTH - 7) + "\"}"))
                .isInstanceOf(KmsException.class);
    }

    private static void assertRefused(String context) {
        assertThatThrownBy(() -> EncryptionContext.canonical(context))
                .isInstanceOf(KmsException.class)
                .extracting(e -> ((KmsException) e).error())
                .isEqualTo(KmsError.INVALID_PARAMETER_VALUE);
    }
}
