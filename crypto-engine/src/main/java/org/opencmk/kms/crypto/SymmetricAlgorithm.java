package org.opencmk.kms.crypto;

import org.bouncycastle.crypto.engines.SM4Engine;
import org.opencmk.kms.events.KeySpec;

/**
 * The authenticated ciphers a key version's material is used with, and the one place that maps
 * each to its implementation. Every algorithm here is GCM with a 12-byte nonce and a 16-byte tag,
 * and comes with the derivation of a per-message key from the material and a longer nonce ({@link
 * MessageKeyDerivation}), which ciphertext blobs of format 2 use.
 *
 * <p>{@link #id()} is persisted in every ciphertext blob and wrapped secret: never change or reuse
 * one (pinned by {@code SymmetricAlgorithmTest}); a new algorithm takes the next free id.
 */
public enum SymmetricAlgorithm {

    /**
     * AES-256 in GCM mode on the JDK's default provider (SunJCE with AES-NI); with the per-message
     * key derivation, XAES-256-GCM.
     */
    AES_256_GCM((byte) 1, 32, new JdkGcm("AES/GCM/NoPadding", "AES"),
            MessageKeyDerivation.jdk("AES/ECB/NoPadding", "AES", 32)),

    /**
     * SM4 (GB/T 32907) in GCM mode (RFC 8998) on BouncyCastle's lightweight API: the JDK has no
     * SM4. The per-message key derivation is XAES's transposed to SM4 (not a published standard).
     */
    SM4_GCM((byte) 2, 16, new LightweightGcm(SM4Engine::new), MessageKeyDerivation.lightweight(SM4Engine::new, 16));

    /** Length of GCM's nonce (IV) for every algorithm here, in bytes. */
    public static final int NONCE_LENGTH = 12;
    /** Length of the authentication tag of every algorithm here, in bytes. */
    public static final int TAG_LENGTH = 16;

    private final byte id;
    private final int keyLength;
    private final GcmMode mode;
    private final MessageKeyDerivation messageKeys;

    SymmetricAlgorithm(byte id, int keyLength, GcmMode mode, MessageKeyDerivation messageKeys) {
        this.id = id;
        this.keyLength = keyLength;
        this.mode = mode;
        this.messageKeys = messageKeys;
    }

    /**
     * The algorithm a CMK of this spec uses; the only place where the two are related.
     *
     * @throws IllegalArgumentException for a key pair spec
     */
    public static SymmetricAlgorithm forKeySpec(KeySpec spec) {
        return switch (spec) {
            case AES_256 -> AES_256_GCM;
            case SM4 -> SM4_GCM;
            case RSA_2048, SM2, ECC_P256 -> throw new IllegalArgumentException(spec + " is not a symmetric spec");
        };
    }

    /**
     * The algorithm persisted as {@code id}.
     *
     * @throws UnknownAlgorithmException if no algorithm has that id
     */
    public static SymmetricAlgorithm fromId(byte id) {
        for (SymmetricAlgorithm algorithm : values()) {
            if (algorithm.id == id) {
                return algorithm;
            }
        }
        throw new UnknownAlgorithmException(id);
    }

    /** The id persisted in ciphertexts. */
    public byte id() {
        return id;
    }

    /** Length of the key material, in bytes. */
    public int keyLength() {
        return keyLength;
    }

    GcmMode mode() {
        return mode;
    }

    MessageKeyDerivation messageKeys() {
        return messageKeys;
    }
}
