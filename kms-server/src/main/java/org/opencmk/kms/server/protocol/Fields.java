package org.opencmk.kms.server.protocol;

import java.util.Base64;
import java.util.List;

/** Checks of request fields that the JSON binding cannot express, each with its wire code. */
final class Fields {

    private Fields() {
    }

    static String required(String value, String field) {
        if (value == null || value.isEmpty()) {
            throw new ProtocolException(ErrorCode.MISSING_PARAMETER, "the parameter " + field + " is required");
        }
        return value;
    }

    static <T> List<T> required(List<T> value, String field) {
        if (value == null || value.isEmpty()) {
            throw new ProtocolException(ErrorCode.MISSING_PARAMETER, "the parameter " + field + " is required");
        }
        return value;
    }

    static long required(Long value, String field) {
        if (value == null) {
            throw new ProtocolException(ErrorCode.MISSING_PARAMETER, "the parameter " + field + " is required");
        }
        return value;
    }

    /** Decodes standard base64; anything else is refused with {@code code}. */
    static byte[] base64(String value, String field, ErrorCode code) {
        try {
            return Base64.getDecoder().decode(required(value, field));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(code, "the parameter " + field + " is not valid base64");
        }
    }

    static int inRange(Long value, long defaultValue, long min, long max, String field) {
        long v = value == null ? defaultValue : value;
        if (v < min || v > max) {
            throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE,
                    "the parameter " + field + " must be between " + min + " and " + max);
        }
        return (int) v;
    }

    static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
