package org.opencmk.kms.events;

import java.util.Objects;

/**
 * A refusal with its {@link KmsError}. The message is for the caller and must never carry
 * plaintext, key material or secrets.
 */
public class KmsException extends RuntimeException {

    private final KmsError error;

    public KmsException(KmsError error, String message) {
        super(message, null, false, false);
        this.error = Objects.requireNonNull(error, "error");
    }

    /**
     * The one refusal for a key the caller cannot see: one that never existed, was deleted, or is
     * another account's. All three read alike, so that no caller learns of another's keys.
     *
     * @param keyIdOrAlias what the caller named, or null
     */
    public static KmsException keyNotFound(Object keyIdOrAlias) {
        return new KmsException(KmsError.KEY_NOT_FOUND,
                keyIdOrAlias == null ? "the key does not exist" : "the key " + keyIdOrAlias + " does not exist");
    }

    public KmsError error() {
        return error;
    }
}
