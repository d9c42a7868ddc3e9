package org.opencmk.kms.crypto.keystore;

/**
 * Key material (or a secret) cannot be produced: its CMK's key-encryption key was destroyed or
 * never existed, or the wrapped bytes were not made for this key, version or purpose, or were
 * altered. After crypto-shredding this is the permanent answer. The message names key and version
 * ids at most, never bytes.
 */
public final class KeyMaterialUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public KeyMaterialUnavailableException(String message) {
        super(message);
    }
}
