package org.opencmk.kms.crypto;

/**
 * The ciphertext could not be decrypted: wrong key material, another key or version, another
 * encryption context, or altered bytes. Deliberately says no more, as tink's {@code WrappedAead}
 * does, so that callers cannot learn which check failed (an oracle for forgeries).
 */
public class DecryptionFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DecryptionFailedException() {
        super("decryption failed");
    }

    DecryptionFailedException(String message) {
        super(message);
    }
}
