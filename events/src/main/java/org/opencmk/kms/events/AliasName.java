package org.opencmk.kms.events;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A CMK alias, unique within an account. Tencent's rule: 1 to 60 characters of letters, digits,
 * {@code _} and {@code -}, not starting with a digit; the prefix {@code kms-} is reserved for
 * default service keys. An alias may not have the shape of a key id, so a value in a
 * {@code KeyId} field is never ambiguous.
 */
public record AliasName(String value) {

    public static final int MAX_LENGTH = 60;
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z_-][A-Za-z0-9_-]{0," + (MAX_LENGTH - 1) + "}");
    private static final String RESERVED_PREFIX = "kms-";

    public AliasName {
        Objects.requireNonNull(value, "value");
        if (!isValid(value)) {
            throw new IllegalArgumentException("not a valid alias: " + value);
        }
    }

    public static boolean isValid(String value) {
        return value != null
                && FORMAT.matcher(value).matches()
                && !value.startsWith(RESERVED_PREFIX)
                && !KeyId.looksLikeKeyId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
