package org.opencmk.kms.crypto;

import java.util.Arrays;
import java.util.Objects;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;

/**
 * The host's share of a {@link CiphertextBlob} (format 2) whose material is held elsewhere, in a
 * PKCS#11 token, which runs the block cipher and GCM itself: the blob layout, the nonce, the
 * associated data and the public steps of {@link MessageKeyDerivation}. The only seam between this
 * package and a token keystore; it exposes no material and no message key, only {@code K1} from
 * an {@code L} the token computed, and the PRF inputs built from it (which the caller zeroes).
 *
 * <p>Sequence for one blob, with {@code E} the token's AES under the version's material:
 * {@code L = E(0^128)} (once per version), {@code K1 = } {@link #k1(byte[])}, {@code blob = }
 * {@link #newBlob}, {@code Kx = E(}{@link #derivationInput}{@code )} inside the token, then GCM
 * under {@code Kx} with {@link #gcmNonce} and {@link #associatedData}, the ciphertext and tag
 * written at {@link CiphertextBlob#HEADER_LENGTH}. The result is byte for byte what
 * {@link SymmetricCipher#encrypt} would write with the same material and nonce.
 */
public final class DelegatedBlockCipherBlobs {

    private static final int BLOCK_LENGTH = 16;

    private DelegatedBlockCipherBlobs() {
    }

    /** CMAC's subkey {@code K1} from {@code L = E(0^128)}; secret, as long as the material lives. */
    public static byte[] k1(byte[] l) {
        if (l.length != BLOCK_LENGTH) {
            throw new IllegalArgumentException("L is one 16-byte block, not " + l.length + " bytes");
        }
        byte[] k1 = new byte[BLOCK_LENGTH];
        MessageKeyDerivation.doubleInto(l, k1);
        return k1;
    }

    /**
     * A blob of {@code plaintextLength} bytes in format 2 with its header written and a fresh
     * random nonce; ciphertext and tag still zero.
     */
    public static byte[] newBlob(SymmetricAlgorithm algorithm, KeyId keyId, KeyVersionId versionId,
            int plaintextLength) {
        byte[] blob = CiphertextBlob.newBuffer(algorithm, keyId, versionId, plaintextLength);
        byte[] nonce = RandomSource.randomBytes(CiphertextBlob.NONCE_LENGTH);
        System.arraycopy(nonce, 0, blob, CiphertextBlob.NONCE_OFFSET, nonce.length);
        return blob;
    }

    /**
     * The PRF inputs {@code (M1 XOR K1) || (M2 XOR K1) || ...} for the blob's nonce, as long as
     * the material; whoever encrypts them in ECB under the material gets the message key. Secret
     * (they give {@code K1} away): the caller zeroes them.
     */
    public static byte[] derivationInput(SymmetricAlgorithm algorithm, byte[] k1, byte[] blob) {
        requireFormat2(blob);
        return MessageKeyDerivation.inputs(k1, blob, CiphertextBlob.NONCE_OFFSET, algorithm.keyLength());
    }

    /** GCM's 12-byte nonce, N[12:24]. */
    public static byte[] gcmNonce(byte[] blob) {
        requireFormat2(blob);
        int from = CiphertextBlob.HEADER_LENGTH - SymmetricAlgorithm.NONCE_LENGTH;
        return Arrays.copyOfRange(blob, from, CiphertextBlob.HEADER_LENGTH);
    }

    /** GCM's associated data: the header (nonce included) followed by the context. */
    public static byte[] associatedData(byte[] blob, byte[] context) {
        requireFormat2(blob);
        Objects.requireNonNull(context, "context");
        byte[] data = Arrays.copyOf(blob, CiphertextBlob.HEADER_LENGTH + context.length);
        System.arraycopy(context, 0, data, CiphertextBlob.HEADER_LENGTH, context.length);
        return data;
    }

    private static void requireFormat2(byte[] blob) {
        if (blob.length < CiphertextBlob.OVERHEAD || blob[0] != CiphertextBlob.FORMAT_VERSION) {
            throw new IllegalArgumentException("not a ciphertext blob of format " + CiphertextBlob.FORMAT_VERSION);
        }
    }
}
