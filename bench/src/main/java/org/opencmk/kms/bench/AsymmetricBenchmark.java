package org.opencmk.kms.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.CipherParameters;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.Signer;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.encodings.OAEPEncoding;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ParametersWithID;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.DSADigestSigner;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.crypto.signers.RSADigestSigner;
import org.bouncycastle.crypto.signers.SM2Signer;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.asymmetric.AsymmetricCiphers;
import org.opencmk.kms.crypto.asymmetric.AsymmetricPublicKey;
import org.opencmk.kms.crypto.asymmetric.MessageType;
import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;
import org.opencmk.kms.crypto.asymmetric.SignatureAlgorithm;
import org.opencmk.kms.crypto.hierarchy.InMemoryKekRepository;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.crypto.keystore.SoftwareKeystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.WrappedKeyMaterial;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Signing and decryption with an asymmetric key version through the key hierarchy ({@link
 * KeyHierarchy#sign}, {@link KeyHierarchy#decrypt(AccountId, KeyId, KeyVersionId,
 * WrappedKeyMaterial, KeySpec, PublicKeyEncryption, byte[])}) versus the bare BouncyCastle call
 * with the same, already parsed private key. The target: within 10 % of the bare call.
 * Run through {@link CryptoEngineBench}, which names the figures {@code asym_<operation>_...}.
 *
 * <p>The engine side is the per-call path the server takes on a warm cache: the cache lookup by
 * key id and version id, the check that the entry was unwrapped from these very wrapped bytes
 * (an array comparison), the reference count, the private key parsed once per entry, the checks
 * of algorithm, key spec and message length, then the signer or cipher. The bare side is what a
 * caller holding the parsed key would write: a fresh signer or cipher of exactly the classes the
 * engine uses (so that the difference is the engine's, not a choice of implementation), initialised
 * with the key, fed and run. Both sides thus pay the per-call set-up BouncyCastle makes of a fresh
 * object: a new {@link SecureRandom} for RSA blinding, and for SM2 signing the public point (one
 * scalar multiplication) and Z, which a caller reusing one initialised {@link SM2Signer} would
 * save.
 *
 * <p>Signing signs a 1 KB RAW message; decryption opens a 32-byte plaintext (a data key),
 * encrypted with OAEP-SHA-256, or with SM2 in the raw C1C3C2 form that {@link SM2Engine} reads
 * (the DER form openssl writes costs the engine a conversion the bare call cannot do). Engine and
 * bare are one benchmark with a {@code variant} parameter, the last in JMH's order, so that the
 * two runs of each operation are adjacent in time (see {@link CryptoEngineBenchmark}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
public class AsymmetricBenchmark {

    private static final AccountId ACCOUNT = new AccountId(100000000001L);
    private static final byte[] SM2_DEFAULT_ID = "1234567812345678".getBytes(StandardCharsets.US_ASCII);
    private static final int SALT_LENGTH = 32;
    private static final int MESSAGE_LENGTH = 1024;
    private static final int PLAINTEXT_LENGTH = 32;

    @Param({"sign_rsa_pss", "sign_rsa_pkcs1", "sign_ecc", "sign_sm2", "decrypt_rsa_oaep256", "decrypt_sm2"})
    public String operation;

    @Param({"engine", "bare"})
    public String variant;

    private Operation op;
    private boolean throughEngine;

    // Engine side.
    private SoftwareKeystore keystore;
    private KeyHierarchy hierarchy;
    private KeyId keyId;
    private KeyVersionId versionId;
    private WrappedKeyMaterial wrapped;

    // Both sides.
    private byte[] message;
    private byte[] ciphertext;

    // Bare side.
    private final SecureRandom random = new SecureRandom();
    private AsymmetricKeyParameter privateKey;

    /** What each operation is: its key spec, and its algorithm or scheme. */
    private enum Operation {
        SIGN_RSA_PSS(KeySpec.RSA_2048, SignatureAlgorithm.RSA_PSS_SHA_256, null),
        SIGN_RSA_PKCS1(KeySpec.RSA_2048, SignatureAlgorithm.RSA_PKCS1_SHA_256, null),
        SIGN_ECC(KeySpec.ECC_P256, SignatureAlgorithm.ECC_P256_R1, null),
        SIGN_SM2(KeySpec.SM2, SignatureAlgorithm.SM2DSA, null),
        DECRYPT_RSA_OAEP256(KeySpec.RSA_2048, null, PublicKeyEncryption.RSAES_OAEP_SHA_256),
        DECRYPT_SM2(KeySpec.SM2, null, PublicKeyEncryption.SM2);

        final KeySpec spec;
        final SignatureAlgorithm algorithm;
        final PublicKeyEncryption scheme;

        Operation(KeySpec spec, SignatureAlgorithm algorithm, PublicKeyEncryption scheme) {
            this.spec = spec;
            this.algorithm = algorithm;
            this.scheme = scheme;
        }
    }

    @Setup
    public void setUp() throws IOException {
        op = Operation.valueOf(operation.toUpperCase(Locale.ROOT));
        throughEngine = variant.equals("engine");
        keystore = new SoftwareKeystore(RandomSource.newSecret(SoftwareKeystore.ROOT_KEY_LENGTH));
        InMemoryKekRepository keks = new InMemoryKekRepository();
        hierarchy = new KeyHierarchy(keystore, keks, 100, Duration.ofHours(1));
        keyId = KeyId.random();
        versionId = KeyVersionId.random();
        hierarchy.createKeyEncryptionKey(ACCOUNT, keyId);
        KeyHierarchy.NewKeyPair pair = hierarchy.generateKeyPair(ACCOUNT, keyId, versionId, op.spec);
        wrapped = pair.privateKey();

        message = RandomSource.randomBytes(MESSAGE_LENGTH);
        if (op.scheme != null) {
            ciphertext = AsymmetricCiphers.encrypt(AsymmetricPublicKey.fromDer(pair.publicKey().der()), op.scheme,
                    RandomSource.randomBytes(PLAINTEXT_LENGTH));
        }
        // The bare caller's key: the same private key, parsed once.
        try (SecretBytes pkcs8 = keystore.unwrapMaterial(keks.find(keyId).orElseThrow(), ACCOUNT, keyId, versionId,
                wrapped)) {
            privateKey = PrivateKeyFactory.createKey(pkcs8.insecureBytes());
        }
        // A warm cache: unwrapped and parsed before anything counts.
        engine();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        hierarchy.close();
        keystore.close();
    }

    @Benchmark
    public Object call() throws CryptoException {
        return throughEngine ? engine() : bare();
    }

    private Object engine() {
        if (op.algorithm != null) {
            return hierarchy.sign(ACCOUNT, keyId, versionId, wrapped, op.spec, op.algorithm, MessageType.RAW, message);
        }
        // The server hands the plaintext on and zeroes it: so does this.
        SecretBytes plaintext = hierarchy.decrypt(ACCOUNT, keyId, versionId, wrapped, op.spec, op.scheme, ciphertext);
        plaintext.close();
        return plaintext;
    }

    private Object bare() throws CryptoException {
        return switch (op) {
            case SIGN_RSA_PSS -> sign(new PSSSigner(new RSABlindedEngine(), new SHA256Digest(), new SHA256Digest(),
                    SALT_LENGTH), privateKey);
            case SIGN_RSA_PKCS1 -> sign(new RSADigestSigner(new SHA256Digest()), privateKey);
            case SIGN_ECC -> sign(new DSADigestSigner(new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest())),
                    new SHA256Digest(), StandardDSAEncoding.INSTANCE), privateKey);
            case SIGN_SM2 -> sign(new SM2Signer(StandardDSAEncoding.INSTANCE, new SM3Digest()),
                    new ParametersWithID(new ParametersWithRandom(privateKey, random), SM2_DEFAULT_ID));
            case DECRYPT_RSA_OAEP256 -> {
                OAEPEncoding oaep = new OAEPEncoding(new RSABlindedEngine(), new SHA256Digest(), new SHA256Digest(),
                        null);
                oaep.init(false, privateKey);
                yield oaep.processBlock(ciphertext, 0, ciphertext.length);
            }
            case DECRYPT_SM2 -> {
                SM2Engine sm2 = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
                sm2.init(false, privateKey);
                yield sm2.processBlock(ciphertext, 0, ciphertext.length);
            }
        };
    }

    private byte[] sign(Signer signer, CipherParameters key) throws CryptoException {
        signer.init(true, key);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }
}
