package org.opencmk.kms.events;

import java.util.Objects;
import java.util.UUID;

/** Global identifier of a CMK: a lower-case UUID, as Tencent Cloud KMS issues them. */
public record KeyId(String value) {

    private static final int LENGTH = 36;

    public KeyId {
        Objects.requireNonNull(value, "value");
        if (!isCanonical(value)) {
            throw new IllegalArgumentException("not a key id: " + value);
        }
    }

    public static KeyId random() {
        return new KeyId(UUID.randomUUID().toString());
    }

    public static KeyId of(UUID uuid) {
        return new KeyId(uuid.toString());
    }

    /** True when {@code text} has the shape of a key id in any letter case (so it can never be an alias). */
    public static boolean looksLikeKeyId(String text) {
        return text != null && hasUuidShape(text, true);
    }

    /** The lower-case UUID shape, checked by hand: this runs on every cryptographic call. */
    static boolean isCanonical(String text) {
        return hasUuidShape(text, false);
    }

    private static boolean hasUuidShape(String text, boolean anyCase) {
        if (text.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = text.charAt(i);
            boolean ok = (i == 8 || i == 13 || i == 18 || i == 23)
                    ? c == '-'
                    : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (anyCase && c >= 'A' && c <= 'F');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public UUID uuid() {
        return UUID.fromString(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
