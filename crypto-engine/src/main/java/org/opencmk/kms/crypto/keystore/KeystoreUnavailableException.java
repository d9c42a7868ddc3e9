package org.opencmk.kms.crypto.keystore;

/**
 * The keystore cannot be reached now: its PKCS#11 library failed to load, the token is absent or
 * was removed, the PIN was refused, or the token is full. Unlike {@link
 * KeyMaterialUnavailableException} this is temporary: the same call may succeed once the token is
 * back. The message says what is wrong, never a PIN.
 */
public final class KeystoreUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public KeystoreUnavailableException(String message) {
        super(message);
    }

    public KeystoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
