package org.opencmk.kms.events;

/** Where the root of a CMK's key hierarchy lives. Persisted in events. */
public enum ProtectionLevel {
    /** Root key in the software keystore (a file or an environment secret). */
    SOFTWARE,
    /** Root key and key operations inside a PKCS#11 token, never exported. */
    HSM
}
