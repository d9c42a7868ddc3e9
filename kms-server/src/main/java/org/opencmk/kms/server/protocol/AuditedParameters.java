package org.opencmk.kms.server.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.opencmk.kms.server.audit.ApiCallLog;

/**
 * The parameters of a call that its audit record may carry: an allow-list of API names that are
 * never secret (identifiers, algorithms, sizes, filters, the encryption context). Anything not
 * listed is left out, so a parameter added later is left out until it is judged here: never
 * Plaintext, Message, CiphertextBlob, Ciphertext, SignatureValue, EncryptedKeyMaterial,
 * ImportToken, EncryptionPublicKey, a SecretKey or Tags.
 */
final class AuditedParameters {

    private static final Set<String> NOT_SECRET = Set.of(
            "KeyId", "KeyIds", "Alias", "Description", "KeyUsage", "KeySpec", "Type", "HsmClusterId",
            "NumberOfBytes", "PendingWindowInDays", "RotateDays", "Offset", "Limit", "Role", "OrderType",
            "KeyState", "SearchKeyAlias", "Origin", "WrappingAlgorithm", "WrappingKeySpec", "ValidTo",
            "Algorithm", "MessageType", "KeyVersionId", "DestinationKeyId", "EncryptionAlgorithm",
            "EncryptionContext", "SourceEncryptionContext", "DestinationEncryptionContext",
            "SecretId", "AccountId", "Admin", "Name", "DryRun", "IncludeAuditRecords");

    private AuditedParameters() {
    }

    /** The allowed parameters of a bound request, by API name; null when none was given. */
    static Map<String, Object> of(ObjectMapper json, Object request) {
        JsonNode tree = json.valueToTree(request);
        Map<String, Object> kept = null;
        for (Iterator<Map.Entry<String, JsonNode>> fields = tree.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getValue().isNull() || !NOT_SECRET.contains(field.getKey())) {
                continue;
            }
            if (kept == null) {
                kept = new LinkedHashMap<>();
            }
            JsonNode value = field.getValue();
            kept.put(field.getKey(), value.isTextual() ? ApiCallLog.callerText(value.asText())
                    : json.convertValue(value, Object.class));
        }
        return kept;
    }
}
