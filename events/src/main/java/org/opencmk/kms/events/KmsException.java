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

    public KmsError error() {
        return error;
    }
}
