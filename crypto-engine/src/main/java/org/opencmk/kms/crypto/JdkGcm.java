package org.opencmk.kms.crypto;

import static org.opencmk.kms.crypto.SymmetricAlgorithm.NONCE_LENGTH;
import static org.opencmk.kms.crypto.SymmetricAlgorithm.TAG_LENGTH;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * GCM through a JCA provider (the default one, SunJCE for AES, which uses the AES-NI and CLMUL
 * intrinsics).
 *
 * <p>{@link Cipher#getInstance} walks the provider list on every call, so each thread keeps its
 * own {@code Cipher} and re-initialises it per operation with a fresh key and nonce. The price: a
 * thread's cipher holds the expanded schedule of the last key it used until its next use. The
 * {@code SecretKeySpec} per call is a copy of the key we cannot zero (it does not implement
 * {@code destroy()} on Java 17); it becomes garbage at once.
 */
final class JdkGcm implements GcmMode {

    private static final int TAG_BITS = TAG_LENGTH * 8;

    private final String keyAlgorithm;
    private final ThreadLocal<Cipher> ciphers;

    JdkGcm(String transformation, String keyAlgorithm) {
        this.keyAlgorithm = keyAlgorithm;
        this.ciphers = ThreadLocal.withInitial(() -> newCipher(transformation));
    }

    private static Cipher newCipher(String transformation) {
        try {
            return Cipher.getInstance(transformation);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(transformation + " is not available in this JDK", e);
        }
    }

    @Override
    public void seal(byte[] key, byte[] buffer, int headerLength, byte[] associatedDataTail, byte[] plaintext) {
        Cipher cipher = ciphers.get();
        try {
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, keyAlgorithm),
                    new GCMParameterSpec(TAG_BITS, buffer, headerLength - NONCE_LENGTH, NONCE_LENGTH));
            cipher.updateAAD(buffer, 0, headerLength);
            if (associatedDataTail.length > 0) {
                cipher.updateAAD(associatedDataTail);
            }
            cipher.doFinal(plaintext, 0, plaintext.length, buffer, headerLength);
        } catch (GeneralSecurityException e) {
            // Also what the JDK throws on a repeated (key, nonce) pair: better no ciphertext than that.
            throw new IllegalStateException(keyAlgorithm + "-GCM encryption failed", e);
        }
    }

    @Override
    public void open(byte[] key, byte[] buffer, int headerLength, byte[] associatedDataTail, byte[] plaintext) {
        Cipher cipher = ciphers.get();
        try {
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, keyAlgorithm),
                    new GCMParameterSpec(TAG_BITS, buffer, headerLength - NONCE_LENGTH, NONCE_LENGTH));
            cipher.updateAAD(buffer, 0, headerLength);
            if (associatedDataTail.length > 0) {
                cipher.updateAAD(associatedDataTail);
            }
            cipher.doFinal(buffer, headerLength, buffer.length - headerLength, plaintext, 0);
        } catch (AEADBadTagException e) {
            Arrays.fill(plaintext, (byte) 0);
            throw new DecryptionFailedException();
        } catch (GeneralSecurityException e) {
            Arrays.fill(plaintext, (byte) 0);
            throw new IllegalStateException(keyAlgorithm + "-GCM decryption failed", e);
        }
    }
}
