package org.opencmk.kms.server.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;

/**
 * The caller's EncryptionContext: exactly one JSON object of string values, at most 1,024
 * characters (Tencent Encrypt). It is authenticated, not encrypted: decryption must present the
 * same pairs. Order and whitespace do not matter: the authenticated form is the pairs sorted by
 * key, written as compact JSON in UTF-8.
 *
 * <p>Every accepted context must mean one set of pairs, so anything a reader could see two ways
 * is refused: content after the object, a key given twice, text that is not well-formed Unicode
 * (a lone surrogate would be written as '?'), and JSON only lenient parsers read (comments,
 * single quotes, trailing commas; all off in Jackson by default).
 */
public final class EncryptionContext {

    public static final int MAX_LENGTH = 1024;
    private static final String SHAPE = "EncryptionContext must be exactly one JSON object of string values";
    /**
     * Made whole here, at class initialisation: a reader fetches its deserializer when it is
     * made, so no request waits on Jackson's deserializer cache lock on an event loop.
     */
    private static final ObjectReader READER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build()
            .readerFor(JsonNode.class);
    /**
     * Writes the authenticated form. Its output for a valid context is pinned by a test: changing
     * a byte of it would leave every ciphertext made with a context undecryptable.
     */
    private static final ObjectMapper WRITER = new ObjectMapper();
    private static final byte[] NONE = new byte[0];

    private EncryptionContext() {
    }

    /** @return the canonical bytes to authenticate; empty for no context */
    public static byte[] canonical(String context) {
        if (context == null || context.isEmpty()) {
            return NONE;
        }
        if (context.length() > MAX_LENGTH) {
            throw invalid("EncryptionContext may have at most " + MAX_LENGTH + " characters");
        }
        JsonNode node;
        try {
            node = READER.readTree(context);
        } catch (JsonProcessingException e) {
            throw invalid(SHAPE + ": trailing content, a key given twice and malformed JSON are refused");
        }
        if (node == null || !node.isObject()) {
            throw invalid(SHAPE);
        }
        Map<String, String> sorted = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().isTextual()) {
                throw invalid(SHAPE);
            }
            String key = field.getKey();
            String value = field.getValue().textValue();
            if (!wellFormed(key) || !wellFormed(value)) {
                throw invalid("EncryptionContext must be well-formed Unicode (no lone surrogate escapes)");
            }
            sorted.put(key, value);
        }
        if (sorted.isEmpty()) {
            return NONE;
        }
        try {
            return WRITER.writeValueAsString(sorted).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True when every surrogate is half of a pair, so the text has one UTF-8 encoding. */
    private static boolean wellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static KmsException invalid(String message) {
        return new KmsException(KmsError.INVALID_PARAMETER_VALUE, message);
    }
}
