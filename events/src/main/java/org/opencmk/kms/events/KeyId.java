package org.opencmk.kms.events;

import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/** Global identifier of a CMK: a lower-case UUID, as Tencent Cloud KMS issues them. */
public record KeyId(String value) {

    private static final Pattern FORMAT =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    public KeyId {
        Objects.requireNonNull(value, "value");
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("not a key id: " + value);
        }
    }

    public static KeyId random() {
        return new KeyId(UUID.randomUUID().toString());
    }

    public static KeyId of(UUID uuid) {
        return new KeyId(uuid.toString());
    }

    /** True when {@code text} has the shape of a key id (so it can never be an alias). */
    public static boolean looksLikeKeyId(String text) {
        return text != null && FORMAT.matcher(text.toLowerCase(java.util.Locale.ROOT)).matches();
    }

    public UUID uuid() {
        return UUID.fromString(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
