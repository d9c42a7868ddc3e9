package org.opencmk.kms.crypto;

/** A persisted algorithm id that this version of the KMS does not know. */
public final class UnknownAlgorithmException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public UnknownAlgorithmException(byte id) {
        super("unknown symmetric algorithm id " + Byte.toUnsignedInt(id));
    }
}
