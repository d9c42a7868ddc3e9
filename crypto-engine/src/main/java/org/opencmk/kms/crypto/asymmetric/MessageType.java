package org.opencmk.kms.crypto.asymmetric;

/** What SignByAsymmetricKey's Message is (Tencent {@code MessageType}). */
public enum MessageType {

    /** The message itself, 1 to {@link #MAX_RAW_LENGTH} bytes; the KMS hashes it. */
    RAW,

    /**
     * Its {@link #DIGEST_LENGTH}-byte hash, made by the caller: SHA-256 of the message, or for
     * SM2DSA SM3 of Z || M (what {@code gmssl sm2utl -dgst -id 1234567812345678} prints).
     */
    DIGEST;

    /** Tencent: "an original message can contain up to 4,096 bytes". */
    public static final int MAX_RAW_LENGTH = 4096;
    /** Tencent: "a message abstract must be 32 bytes" (SHA-256 and SM3 alike). */
    public static final int DIGEST_LENGTH = 32;

    /** Whether a message of {@code length} bytes may be signed as this type. */
    public boolean accepts(int length) {
        return this == RAW ? length >= 1 && length <= MAX_RAW_LENGTH : length == DIGEST_LENGTH;
    }
}
