package org.opencmk.kms.crypto.material;

/**
 * Encrypted key material could not be decrypted with the wrapping key and algorithm given: another
 * key, another algorithm or padding, truncated or altered bytes, or no ciphertext at all. Says no
 * more and carries no cause, since the bytes come from the caller and telling the failures apart
 * would give them a padding oracle on the wrapping key.
 */
public final class UnreadableKeyMaterialException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UnreadableKeyMaterialException() {
        super("the encrypted key material cannot be decrypted with this wrapping key and algorithm");
    }
}
