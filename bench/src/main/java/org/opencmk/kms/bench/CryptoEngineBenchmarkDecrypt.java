package org.opencmk.kms.bench;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.opencmk.kms.crypto.CiphertextBlob;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.SymmetricAlgorithm;
import org.opencmk.kms.crypto.SymmetricCipher;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyVersionId;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decrypt through crypto-engine ({@link CiphertextBlob#parse} and {@link SymmetricCipher#decrypt})
 * versus the bare cipher with one fixed key, the counterpart of {@link CryptoEngineBenchmark}.
 * Not part of {@link CryptoEngineBench}'s figures; run it with JMH's own runner:
 * {@code java -cp 'bench/target/bench.jar:bench/target/lib/*' org.openjdk.jmh.Main CryptoEngineBenchmarkDecrypt}.
 *
 * <p>What both sides do per operation: GCM initialisation with a key and the blob's 12-byte GCM
 * nonce, the 58-byte header and the encryption context as associated data, decryption and tag
 * check of the payload into a freshly allocated plaintext array. The engine also parses the
 * header, derives the message's key from the material and the nonce's first half, and sets GCM up
 * for that new key; the bare side decrypts blobs of the same shape made under its fixed key. Each
 * side cycles through {@value #BLOBS} blobs: decrypting one blob over and over would flatter the
 * engine, since SunJCE skips the key schedule when a cipher is re-initialised with its last key.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
public class CryptoEngineBenchmarkDecrypt {

    private static final int GCM_NONCE_LENGTH = SymmetricAlgorithm.NONCE_LENGTH;
    private static final int TAG_BITS = SymmetricAlgorithm.TAG_LENGTH * 8;
    private static final int HEADER_LENGTH = CiphertextBlob.HEADER_LENGTH;
    private static final int BLOBS = 64;

    @Param({"AES_256_GCM", "SM4_GCM"})
    public String algorithm;

    @Param({"32", "4096"})
    public int size;

    @Param({"engine", "bare"})
    public String variant;
    private boolean throughEngine;

    private final SymmetricCipher engine = new SymmetricCipher();
    private SecretBytes material;
    /** A canonical encryption context of 16 bytes. */
    private byte[] context;
    /** The engine's blobs, or for the bare side ones of the same shape under the fixed key. */
    private final byte[][] blobs = new byte[BLOBS][];
    private int next;

    private Cipher jceCipher;
    private SecretKeySpec jceKey;
    private GCMModeCipher bcGcm;
    private KeyParameter bcKey;

    @Setup
    public void setUp() throws GeneralSecurityException, InvalidCipherTextException {
        SymmetricAlgorithm alg = SymmetricAlgorithm.valueOf(algorithm);
        throughEngine = variant.equals("engine");
        material = RandomSource.newSecret(alg.keyLength());
        byte[] plaintext = new byte[size];
        new SecureRandom().nextBytes(plaintext);
        context = "{\"app\":\"bench1\"}".getBytes(StandardCharsets.UTF_8);
        KeyId keyId = KeyId.random();
        KeyVersionId versionId = KeyVersionId.random();
        for (int i = 0; i < BLOBS; i++) {
            blobs[i] = engine.encrypt(material, alg, keyId, versionId, plaintext, context);
        }

        switch (alg) {
            case AES_256_GCM -> {
                jceCipher = Cipher.getInstance("AES/GCM/NoPadding");
                jceKey = new SecretKeySpec(material.insecureBytes(), "AES");
            }
            case SM4_GCM -> {
                bcGcm = GCMBlockCipher.newInstance(new SM4Engine());
                bcKey = new KeyParameter(material.insecureBytes());
            }
            default -> throw new IllegalStateException("no bare cipher for " + alg);
        }
        if (!throughEngine) {
            for (byte[] blob : blobs) {
                sealUnderTheFixedKey(blob, plaintext);
            }
        }
    }

    /** Replaces the engine's ciphertext and tag in {@code blob} by the bare cipher's. */
    private void sealUnderTheFixedKey(byte[] blob, byte[] plaintext)
            throws GeneralSecurityException, InvalidCipherTextException {
        if (jceCipher != null) {
            jceCipher.init(Cipher.ENCRYPT_MODE, jceKey, gcmNonce(blob));
            jceCipher.updateAAD(blob, 0, HEADER_LENGTH);
            jceCipher.updateAAD(context);
            jceCipher.doFinal(plaintext, 0, plaintext.length, blob, HEADER_LENGTH);
        } else {
            bcGcm.init(true, new AEADParameters(bcKey, TAG_BITS, gcmNonce(blob).getIV()));
            bcGcm.processAADBytes(blob, 0, HEADER_LENGTH);
            bcGcm.processAADBytes(context, 0, context.length);
            int written = bcGcm.processBytes(plaintext, 0, plaintext.length, blob, HEADER_LENGTH);
            bcGcm.doFinal(blob, HEADER_LENGTH + written);
        }
    }

    @Benchmark
    public byte[] decrypt() throws GeneralSecurityException, InvalidCipherTextException {
        return throughEngine ? engine() : bare();
    }

    private byte[] nextBlob() {
        byte[] blob = blobs[next];
        next = (next + 1) % BLOBS;
        return blob;
    }

    private byte[] engine() {
        return engine.decrypt(material, CiphertextBlob.parse(nextBlob()), context);
    }

    private byte[] bare() throws GeneralSecurityException, InvalidCipherTextException {
        byte[] blob = nextBlob();
        byte[] plaintext = new byte[blob.length - CiphertextBlob.OVERHEAD];
        if (jceCipher != null) {
            jceCipher.init(Cipher.DECRYPT_MODE, jceKey, gcmNonce(blob));
            jceCipher.updateAAD(blob, 0, HEADER_LENGTH);
            jceCipher.updateAAD(context);
            jceCipher.doFinal(blob, HEADER_LENGTH, blob.length - HEADER_LENGTH, plaintext, 0);
        } else {
            bcGcm.init(false, new AEADParameters(bcKey, TAG_BITS, gcmNonce(blob).getIV()));
            bcGcm.processAADBytes(blob, 0, HEADER_LENGTH);
            bcGcm.processAADBytes(context, 0, context.length);
            int written = bcGcm.processBytes(blob, HEADER_LENGTH, blob.length - HEADER_LENGTH, plaintext, 0);
            bcGcm.doFinal(plaintext, written);
        }
        return plaintext;
    }

    /** GCM's nonce: the blob's last 12 header bytes. */
    private static GCMParameterSpec gcmNonce(byte[] blob) {
        return new GCMParameterSpec(TAG_BITS, blob, HEADER_LENGTH - GCM_NONCE_LENGTH, GCM_NONCE_LENGTH);
    }
}
