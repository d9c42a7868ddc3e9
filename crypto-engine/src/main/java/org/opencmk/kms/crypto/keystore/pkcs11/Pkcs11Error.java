package org.opencmk.kms.crypto.keystore.pkcs11;

/**
 * A Cryptoki call returned something other than {@code CKR_OK}. Internal: {@link Pkcs11Keystore}
 * maps every one of these to the keystore's public exceptions.
 */
final class Pkcs11Error extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long code;

    Pkcs11Error(String function, long code) {
        super(function + " returned " + ReturnCodes.name(code));
        this.code = code;
    }

    long code() {
        return code;
    }
}
