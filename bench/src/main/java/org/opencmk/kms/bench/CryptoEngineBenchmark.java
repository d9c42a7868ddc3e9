package org.opencmk.kms.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.UUID;
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
 * Encrypt through crypto-engine ({@link SymmetricCipher#encrypt}) versus the bare cipher with one
 * fixed key, per algorithm and plaintext size. Run through {@link CryptoEngineBench};
 * {@link CryptoEngineBenchmarkDecrypt} is its counterpart for Decrypt.
 *
 * <p>What both sides do per operation: a fresh random nonce from a default-constructed {@link
 * SecureRandom} (what {@link RandomSource} uses), GCM initialisation with a key and a 12-byte
 * nonce, associated data of the same length (the 58-byte blob header, then the encryption
 * context), encryption of the plaintext with its 16-byte tag into a freshly allocated array of the
 * blob's size. What only the engine does is its overhead: a 24-byte nonce instead of 12, the
 * derivation of the message's own key from the material and the nonce's first half (two block
 * encryptions, {@code MessageKeyDerivation}) and GCM's setup for that new key (its key schedule,
 * and for GCM the hash key), laying out the header (key id and version id as UUIDs) and the
 * per-call key and parameter objects. The bare side keeps its key object and GCM/{@code Cipher}
 * instance for the state's lifetime, as a caller with one fixed key would, and so never pays a
 * key schedule: what the per-message key costs shows in full.
 *
 * <p>Engine and bare are one benchmark with a {@code variant} parameter, the last in JMH's order,
 * so that the two runs of each algorithm and size are adjacent in time: on a shared machine whose
 * speed drifts, a comparison of runs minutes apart measures the drift.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
public class CryptoEngineBenchmark {

    private static final int NONCE_LENGTH = SymmetricAlgorithm.NONCE_LENGTH;
    private static final int TAG_BITS = SymmetricAlgorithm.TAG_LENGTH * 8;
    private static final int HEADER_LENGTH = CiphertextBlob.HEADER_LENGTH;

    @Param({"AES_256_GCM", "SM4_GCM"})
    public String algorithm;

    @Param({"32", "4096"})
    public int size;

    @Param({"engine", "bare"})
    public String variant;
    private boolean throughEngine;

    // Engine side.
    private final SymmetricCipher engine = new SymmetricCipher();
    private SymmetricAlgorithm alg;
    private SecretBytes material;
    private KeyId keyId;
    private KeyVersionId versionId;
    private byte[] plaintext;
    /** A canonical encryption context of 16 bytes. */
    private byte[] context;

    // Bare side.
    private final SecureRandom random = new SecureRandom();
    /** Stands in for the engine's header: same length, fed to GCM as associated data the same way. */
    private byte[] header;
    private Cipher jceCipher;
    private SecretKeySpec jceKey;
    private GCMModeCipher bcGcm;
    private KeyParameter bcKey;

    @Setup
    public void setUp() throws GeneralSecurityException {
        alg = SymmetricAlgorithm.valueOf(algorithm);
        throughEngine = variant.equals("engine");
        material = RandomSource.newSecret(alg.keyLength());
        keyId = KeyId.random();
        versionId = KeyVersionId.random();
        plaintext = new byte[size];
        random.nextBytes(plaintext);
        context = "{\"app\":\"bench1\"}".getBytes(StandardCharsets.UTF_8);

        header = new byte[HEADER_LENGTH];
        UUID key = keyId.uuid();
        UUID version = versionId.uuid();
        ByteBuffer.wrap(header).put(CiphertextBlob.FORMAT_VERSION).put(alg.id())
                .putLong(key.getMostSignificantBits()).putLong(key.getLeastSignificantBits())
                .putLong(version.getMostSignificantBits()).putLong(version.getLeastSignificantBits());

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
    }

    @Benchmark
    public byte[] encrypt() throws GeneralSecurityException, InvalidCipherTextException {
        return throughEngine ? engine() : bare();
    }

    private byte[] engine() {
        return engine.encrypt(material, alg, keyId, versionId, plaintext, context);
    }

    private byte[] bare() throws GeneralSecurityException, InvalidCipherTextException {
        byte[] out = new byte[CiphertextBlob.OVERHEAD + plaintext.length];
        byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce);
        if (jceCipher != null) {
            jceCipher.init(Cipher.ENCRYPT_MODE, jceKey, new GCMParameterSpec(TAG_BITS, nonce));
            jceCipher.updateAAD(header);
            jceCipher.updateAAD(context);
            jceCipher.doFinal(plaintext, 0, plaintext.length, out, HEADER_LENGTH);
        } else {
            bcGcm.init(true, new AEADParameters(bcKey, TAG_BITS, nonce));
            bcGcm.processAADBytes(header, 0, HEADER_LENGTH);
            bcGcm.processAADBytes(context, 0, context.length);
            int written = bcGcm.processBytes(plaintext, 0, plaintext.length, out, HEADER_LENGTH);
            bcGcm.doFinal(out, HEADER_LENGTH + written);
        }
        return out;
    }
}
