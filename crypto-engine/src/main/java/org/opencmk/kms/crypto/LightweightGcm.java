package org.opencmk.kms.crypto;

import static org.opencmk.kms.crypto.SymmetricAlgorithm.NONCE_LENGTH;
import static org.opencmk.kms.crypto.SymmetricAlgorithm.TAG_LENGTH;

import java.util.Arrays;
import java.util.function.Supplier;
import org.bouncycastle.crypto.BlockCipher;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * GCM over a BouncyCastle block cipher through its lightweight API, for ciphers the JDK lacks.
 * The lightweight API avoids the provider lookup and lets us zero BouncyCastle's copy of the key.
 *
 * <p>One GCM instance per thread, re-initialised on every call: a new instance would rebuild its
 * 4 KB multiplication table from the key each time, which cost 5–6 µs a call (most of an SM4
 * encryption of 4 KB, and 4× the cipher at 32 B; bench/ CryptoEngineBenchmark). As with
 * {@link JdkGcm}, a thread keeps the last key's schedule until its next call.
 */
final class LightweightGcm implements GcmMode {

    private static final int TAG_BITS = TAG_LENGTH * 8;

    private final ThreadLocal<GCMModeCipher> ciphers;

    LightweightGcm(Supplier<BlockCipher> engines) {
        this.ciphers = ThreadLocal.withInitial(() -> GCMBlockCipher.newInstance(engines.get()));
    }

    @Override
    public void seal(byte[] key, byte[] buffer, int headerLength, byte[] associatedDataTail, byte[] plaintext) {
        KeyParameter keyParameter = new KeyParameter(key);
        try {
            GCMModeCipher gcm = start(true, keyParameter, buffer, headerLength, associatedDataTail);
            int written = gcm.processBytes(plaintext, 0, plaintext.length, buffer, headerLength);
            gcm.doFinal(buffer, headerLength + written);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("GCM encryption failed", e);
        } finally {
            Arrays.fill(keyParameter.getKey(), (byte) 0);
        }
    }

    @Override
    public void open(byte[] key, byte[] buffer, int headerLength, byte[] associatedDataTail, byte[] plaintext) {
        KeyParameter keyParameter = new KeyParameter(key);
        try {
            GCMModeCipher gcm = start(false, keyParameter, buffer, headerLength, associatedDataTail);
            // BouncyCastle releases plaintext before the tag is checked: zeroed below if it fails.
            int written = gcm.processBytes(buffer, headerLength, buffer.length - headerLength, plaintext, 0);
            gcm.doFinal(plaintext, written);
        } catch (InvalidCipherTextException e) {
            Arrays.fill(plaintext, (byte) 0);
            throw new DecryptionFailedException();
        } finally {
            Arrays.fill(keyParameter.getKey(), (byte) 0);
        }
    }

    private GCMModeCipher start(boolean encrypt, KeyParameter key, byte[] buffer, int headerLength,
            byte[] associatedDataTail) {
        byte[] nonce = Arrays.copyOfRange(buffer, headerLength - NONCE_LENGTH, headerLength);
        GCMModeCipher gcm = ciphers.get();
        gcm.init(encrypt, new AEADParameters(key, TAG_BITS, nonce));
        gcm.processAADBytes(buffer, 0, headerLength);
        gcm.processAADBytes(associatedDataTail, 0, associatedDataTail.length);
        return gcm;
    }
}
