package org.opencmk.kms.crypto;

/**
 * The bytes are not a ciphertext blob this KMS can read (too short, unknown format version or
 * algorithm). A kind of {@link DecryptionFailedException}, so that one {@code catch} maps every
 * failed decryption to one answer; carries no detail, since the bytes came from the caller.
 */
public final class InvalidCiphertextException extends DecryptionFailedException {

    private static final long serialVersionUID = 1L;

    public InvalidCiphertextException() {
        super("not a valid ciphertext blob");
    }
}
