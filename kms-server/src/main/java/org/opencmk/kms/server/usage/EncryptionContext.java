package org.opencmk.kms.server.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;

/**
 * The caller's EncryptionContext: a JSON object of string values, at most 1,024 characters
 * (Tencent Encrypt). It is authenticated, not encrypted: decryption must present the same
 * pairs. Order and whitespace do not matter: the authenticated form is the pairs sorted by key.
 */
public final class EncryptionContext {

    public static final int MAX_LENGTH = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
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
            node = JSON.readTree(context);
        } catch (JsonProcessingException e) {
            throw invalid("EncryptionContext must be a JSON object of string values");
        }
        if (node == null || !node.isObject()) {
            throw invalid("EncryptionContext must be a JSON object of string values");
        }
        Map<String, String> sorted = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().isTextual()) {
                throw invalid("EncryptionContext must be a JSON object of string values");
            }
            sorted.put(field.getKey(), field.getValue().textValue());
        }
        if (sorted.isEmpty()) {
            return NONE;
        }
        try {
            return JSON.writeValueAsString(sorted).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KmsException invalid(String message) {
        return new KmsException(KmsError.INVALID_PARAMETER_VALUE, message);
    }
}
