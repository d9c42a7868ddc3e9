package org.opencmk.kms.server.protocol;

/** A refusal at the protocol edge (authentication, envelope, parameters), with its wire code. */
public class ProtocolException extends RuntimeException {

    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
