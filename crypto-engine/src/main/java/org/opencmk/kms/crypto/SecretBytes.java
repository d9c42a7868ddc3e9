package org.opencmk.kms.crypto;

import java.util.Arrays;
import java.util.Objects;
import javax.security.auth.Destroyable;

/**
 * Secret bytes (key material, plaintext data keys, root and key-encryption keys) that are zeroed
 * when their owner is done with them. Never logged: {@link #toString()} is redacted, and equality
 * is identity so that no code path compares secrets in variable time by accident.
 *
 * <p>The factories say who owns the array: {@link #takeOwnership(byte[])} adopts it (no copy, so no
 * second plaintext copy lingers on the heap), {@link #copyOf(byte[])} leaves the caller's array to
 * the caller. Use try-with-resources so that the bytes are zeroed on every path.
 *
 * <p>Thread-safe to read; {@link #destroy()} while another thread reads is the caller's race to
 * avoid (the key hierarchy's cache does so with reference counting).
 */
public final class SecretBytes implements Destroyable, AutoCloseable {

    private final byte[] bytes;
    private volatile boolean destroyed;

    private SecretBytes(byte[] bytes) {
        this.bytes = Objects.requireNonNull(bytes, "bytes");
    }

    /**
     * Adopts {@code bytes} without copying. The caller must not keep, read or change the array
     * afterwards: {@link #destroy()} zeroes this very array.
     */
    public static SecretBytes takeOwnership(byte[] bytes) {
        return new SecretBytes(bytes);
    }

    /** Copies {@code bytes}; the caller remains responsible for zeroing its own array. */
    public static SecretBytes copyOf(byte[] bytes) {
        return new SecretBytes(bytes.clone());
    }

    public int length() {
        return bytes.length;
    }

    /**
     * The secret itself, not a copy (copies would be more plaintext to zero). Do not keep, log,
     * modify or hand the array beyond the call that needs it.
     *
     * @throws IllegalStateException once destroyed
     */
    public byte[] insecureBytes() {
        if (destroyed) {
            throw new IllegalStateException("secret bytes were destroyed");
        }
        return bytes;
    }

    /** Zeroes the bytes; every later {@link #insecureBytes()} fails. Idempotent. */
    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    /** Same as {@link #destroy()}, for try-with-resources. */
    @Override
    public void close() {
        destroy();
    }

    @Override
    public String toString() {
        return "SecretBytes[redacted, " + bytes.length + " bytes]";
    }
}
