package org.opencmk.kms.crypto.keystore;

/**
 * The keystore does not offer what a call needs: a key spec or an algorithm whose mechanism the
 * token lacks (SoftHSM2 has no SM2 or SM4). Nothing was changed.
 */
public final class UnsupportedByKeystoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public UnsupportedByKeystoreException(String message) {
        super(message);
    }
}
