package org.opencmk.kms.crypto;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.BlockCipher;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Derives the key of one message from a key version's material and the first 12 bytes of the
 * message's 24-byte random nonce, so that no key, whether material or derived, ever meets GCM's
 * random-nonce budget (2<sup>32</sup> messages): each message has its own GCM key.
 *
 * <p>The derivation is XAES-256-GCM's (<a href="https://c2sp.org/XAES-256-GCM">c2sp.org/XAES-256-GCM</a>),
 * the NIST SP 800-108r1 counter-mode KDF with CMAC as PRF, label {@code 'X'}, the nonce prefix as
 * context and a 16-bit counter, each PRF input one block: with {@code E} the block cipher under
 * the material {@code K},
 *
 * <pre>
 *   L  = E(0<sup>128</sup>)
 *   K1 = L &lt;&lt; 1, XOR 0x87 into the last byte if the top bit of L was set
 *   Mi = 0x00 || i || 'X' || 0x00 || N[0:12]            (i = 1, 2, ...)
 *   Kx = E(M1 XOR K1) || E(M2 XOR K1) || ...            (as many blocks as the material is long)
 * </pre>
 *
 * and the message is then encrypted with GCM under {@code Kx} with the nonce {@code N[12:24]}. For
 * AES-256 (two blocks) this is XAES-256-GCM exactly, pinned by the C2SP test vectors. For SM4 (one
 * block: SM4 has 128-bit keys) it is the same construction over the SM4 block cipher, i.e.
 * SP 800-108 with CMAC-SM4: sound for the same reasons, but not a published standard, and there
 * are no reference vectors to check it against (tests cross-check it against BouncyCastle's CMAC).
 *
 * <p>{@code L} and {@code K1} depend on the material only. Each thread keeps, for the last
 * material it derived from, the keyed block cipher and {@code K1}; the material is recognised by
 * its array's identity ({@link SecretBytes} arrays never change but to be zeroed, and a zeroed one
 * cannot be read any more). As with {@link JdkGcm}, a thread thus holds the schedule of the last
 * material it used (and that material's {@code K1}) until its next derivation.
 *
 * <p>Thread-safe.
 */
final class MessageKeyDerivation {

    /** Bytes of the nonce that go into the derivation; the rest is GCM's nonce. */
    static final int NONCE_PREFIX_LENGTH = 12;
    private static final int BLOCK_LENGTH = 16;
    private static final byte LABEL = 'X';

    private final int keyLength;
    private final ThreadLocal<KeyedBlockCipher> ciphers;

    private MessageKeyDerivation(int keyLength, Supplier<KeyedBlockCipher> ciphers) {
        if (keyLength % BLOCK_LENGTH != 0 || keyLength == 0) {
            throw new IllegalArgumentException("key length must be whole blocks: " + keyLength);
        }
        this.keyLength = keyLength;
        this.ciphers = ThreadLocal.withInitial(ciphers);
    }

    /**
     * Over a JCA block cipher (the default provider's), for AES: SunJCE's AES uses the AES-NI
     * intrinsics. {@code transformation} is the cipher in ECB mode without padding: each call
     * encrypts independent single blocks, the PRF inputs, which is what ECB is.
     */
    static MessageKeyDerivation jdk(String transformation, String keyAlgorithm, int keyLength) {
        return new MessageKeyDerivation(keyLength, () -> new JdkBlockCipher(transformation, keyAlgorithm));
    }

    /** Over a BouncyCastle block cipher, for ciphers the JDK lacks (SM4). */
    static MessageKeyDerivation lightweight(Supplier<BlockCipher> engines, int keyLength) {
        return new MessageKeyDerivation(keyLength, () -> new LightweightBlockCipher(engines.get()));
    }

    /** Length of the derived key, the same as the material's. */
    int keyLength() {
        return keyLength;
    }

    /**
     * The message key for the nonce at {@code nonce[nonceOffset..]} (only its first {@value
     * #NONCE_PREFIX_LENGTH} bytes are read), in a new array that the caller zeroes after use.
     *
     * @param material the key version's material, {@code keyLength()} bytes
     */
    byte[] derive(byte[] material, byte[] nonce, int nonceOffset) {
        if (material.length != keyLength) {
            throw new IllegalArgumentException("material must be " + keyLength + " bytes, not " + material.length);
        }
        KeyedBlockCipher cipher = ciphers.get();
        byte[] k1 = cipher.k1For(material);
        byte[] inputs = inputs(k1, nonce, nonceOffset, keyLength);
        byte[] key = new byte[keyLength];
        cipher.encryptBlocks(inputs, key);
        // M XOR K1 with a public nonce would give K1 away
        Arrays.fill(inputs, (byte) 0);
        return key;
    }

    /**
     * The PRF inputs {@code M1 XOR K1 || M2 XOR K1 || ...}, {@code keyLength} bytes, that the block
     * cipher encrypts into the message key; secret, since they give {@code K1} away.
     */
    static byte[] inputs(byte[] k1, byte[] nonce, int nonceOffset, int keyLength) {
        byte[] inputs = new byte[keyLength];
        for (int offset = 0, counter = 1; offset < keyLength; offset += BLOCK_LENGTH, counter++) {
            // counter (16 bits, big-endian) || label || 0x00 separator || context
            inputs[offset] = 0;
            inputs[offset + 1] = (byte) counter;
            inputs[offset + 2] = LABEL;
            inputs[offset + 3] = 0;
            System.arraycopy(nonce, nonceOffset, inputs, offset + 4, NONCE_PREFIX_LENGTH);
            for (int i = 0; i < BLOCK_LENGTH; i++) {
                inputs[offset + i] ^= k1[i];
            }
        }
        return inputs;
    }

    /** CMAC's subkey K1 from L = E(0): a doubling in GF(2^128). */
    static void doubleInto(byte[] l, byte[] k1) {
        int carry = 0;
        for (int i = BLOCK_LENGTH - 1; i >= 0; i--) {
            int b = l[i] & 0xff;
            k1[i] = (byte) ((b << 1) | carry);
            carry = b >>> 7;
        }
        // constant time: no branch on the secret top bit
        k1[BLOCK_LENGTH - 1] ^= (byte) (0x87 & -carry);
    }

    /**
     * One thread's block cipher, keyed with the last material it derived from, and that
     * material's K1.
     */
    private abstract static class KeyedBlockCipher {

        private byte[] keyedWith;
        private final byte[] k1 = new byte[BLOCK_LENGTH];

        final byte[] k1For(byte[] material) {
            if (material != keyedWith) {
                keyedWith = null;
                init(material);
                byte[] l = new byte[BLOCK_LENGTH];
                encryptBlocks(l, l);
                doubleInto(l, k1);
                Arrays.fill(l, (byte) 0);
                keyedWith = material;
            }
            return k1;
        }

        abstract void init(byte[] material);

        /** Encrypts whole blocks, {@code in.length} bytes, in ECB. */
        abstract void encryptBlocks(byte[] in, byte[] out);
    }

    private static final class JdkBlockCipher extends KeyedBlockCipher {

        private final String keyAlgorithm;
        private final Cipher cipher;

        JdkBlockCipher(String transformation, String keyAlgorithm) {
            this.keyAlgorithm = keyAlgorithm;
            try {
                this.cipher = Cipher.getInstance(transformation);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(transformation + " is not available in this JDK", e);
            }
        }

        @Override
        void init(byte[] material) {
            try {
                cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(material, keyAlgorithm));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(keyAlgorithm + " key derivation failed", e);
            }
        }

        @Override
        void encryptBlocks(byte[] in, byte[] out) {
            try {
                cipher.doFinal(in, 0, in.length, out, 0);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(keyAlgorithm + " key derivation failed", e);
            }
        }
    }

    private static final class LightweightBlockCipher extends KeyedBlockCipher {

        private final BlockCipher engine;

        LightweightBlockCipher(BlockCipher engine) {
            this.engine = engine;
        }

        @Override
        void init(byte[] material) {
            KeyParameter key = new KeyParameter(material);
            engine.init(true, key);
            Arrays.fill(key.getKey(), (byte) 0);
        }

        @Override
        void encryptBlocks(byte[] in, byte[] out) {
            for (int offset = 0; offset < in.length; offset += BLOCK_LENGTH) {
                engine.processBlock(in, offset, out, offset);
            }
        }
    }
}
