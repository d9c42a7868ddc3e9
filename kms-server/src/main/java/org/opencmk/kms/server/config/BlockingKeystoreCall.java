package org.opencmk.kms.server.config;

/**
 * An HSM key's operation was about to run on a non-blocking thread (a Netty event loop, or the
 * compute scheduler): a PKCS#11 call may wait on a device or a network HSM, so it never runs there.
 * Thrown before anything was done; the dispatcher runs the whole call again on the bounded
 * blocking scheduler. Software keys never see it, so their hot path keeps no thread hop.
 */
public final class BlockingKeystoreCall extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BlockingKeystoreCall() {
        // no stack trace: a routine signal, thrown on every HSM call that reaches an event loop
        super("an HSM operation must run on the blocking scheduler", null, false, false);
    }
}
