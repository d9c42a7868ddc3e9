package org.opencmk.kms.crypto;

/**
 * One GCM implementation, working in place on a buffer laid out as {@code header || ciphertext ||
 * tag} where the header ends with the nonce. Both formats of this package (the ciphertext blob and
 * the wrapped secret) share that shape, so the associated data is always {@code header ||
 * associatedDataTail} and the payload is never copied.
 */
interface GcmMode {

    /**
     * Encrypts {@code plaintext} into {@code buffer} from {@code headerLength} on; the buffer
     * already holds the header, nonce included, and is exactly large enough.
     */
    void seal(byte[] key, byte[] buffer, int headerLength, byte[] associatedDataTail, byte[] plaintext);

    /**
     * Decrypts {@code buffer} from {@code headerLength} on into {@code plaintext}, which is exactly
     * large enough; zeroes {@code plaintext} and throws {@link DecryptionFailedException} when the
     * tag does not verify.
     */
    void open(byte[] key, byte[] buffer, int headerLength, byte[] associatedDataTail, byte[] plaintext);
}
