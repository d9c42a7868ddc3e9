package org.opencmk.kms.crypto.hierarchy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * Unwrapped material in the cache, zeroed as soon as it has left the cache and no operation
 * uses it any more.
 *
 * <p>Why reference counting: Caffeine may evict an entry (size, expiry, explicit eviction) while
 * another thread is encrypting with the material it just read from the cache. Zeroing at eviction
 * would let that thread finish with a zeroed key, and a ciphertext under an all-zero key is a
 * disaster that nothing would report. Not zeroing at all would leave evicted and shredded material
 * on the heap until the collector reuses it. So an operation {@link #acquire()}s the material
 * (which fails once the entry is retired) and {@link #release()}s it; eviction {@link #retire()}s
 * it; whichever of the two comes last zeroes it, exactly once.
 */
final class CachedMaterial {

    // Sign bit: retired; the remaining bits: operations holding the material.
    private static final int RETIRED = Integer.MIN_VALUE;

    private final WrappedKeyMaterial wrapped;
    private final SecretBytes material;
    private final AtomicInteger state = new AtomicInteger();
    /** The material parsed for use (an asymmetric version's private key), made on first use; may be null. */
    private volatile Object prepared;

    CachedMaterial(WrappedKeyMaterial wrapped, SecretBytes material) {
        this.wrapped = wrapped;
        this.material = material;
    }

    /** True if this entry was unwrapped from exactly {@code candidate}. */
    boolean unwrappedFrom(WrappedKeyMaterial candidate) {
        return wrapped.equals(candidate);
    }

    /**
     * Holds the material for one operation, unless the entry is retired.
     *
     * @return false if retired: the caller must not use {@link #material()}
     */
    boolean acquire() {
        while (true) {
            int current = state.get();
            if ((current & RETIRED) != 0) {
                return false;
            }
            if (state.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Ends one operation's hold; the last one after retirement zeroes the material. */
    void release() {
        if (state.decrementAndGet() == RETIRED) {
            material.destroy();
        }
    }

    /** The entry left the cache: no new holds; zeroed now if nobody holds it. */
    void retire() {
        if (state.getAndUpdate(current -> current | RETIRED) == 0) {
            material.destroy();
        }
    }

    /** The material, valid between a successful {@link #acquire()} and its {@link #release()}. */
    SecretBytes material() {
        return material;
    }

    /**
     * The material in the form {@code preparation} makes of it (an asymmetric version's parsed
     * private key), made once for as long as this entry lives, so that the hot path does not parse
     * PKCS#8 on every call. Call between {@link #acquire()} and {@link #release()}, always with the
     * same preparation for one entry. Two threads may both prepare at first; either result serves.
     * The prepared form is dropped with the entry; it cannot be zeroed (see
     * {@link org.opencmk.kms.crypto.asymmetric.AsymmetricPrivateKey}).
     */
    @SuppressWarnings("unchecked")
    <T> T prepared(Function<SecretBytes, T> preparation) {
        Object current = prepared;
        if (current == null) {
            current = preparation.apply(material);
            prepared = current;
        }
        return (T) current;
    }
}
