package org.opencmk.kms.crypto.asymmetric;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.KeySpec;

/**
 * Key pairs for the tests of this package: one per spec for the whole run, and a second one for
 * "another key", made on first use. RSA-2048 generation takes up to a second, so that making
 * fresh pairs per test would dominate the run. Tests must not change the arrays they get (they are
 * copies anyway).
 */
final class TestKeyPairs {

    static final KeySpec[] KEY_PAIR_SPECS = {KeySpec.RSA_2048, KeySpec.SM2, KeySpec.ECC_P256};

    private static final Map<KeySpec, Pair> FIRST = new ConcurrentHashMap<>();
    private static final Map<KeySpec, Pair> SECOND = new ConcurrentHashMap<>();

    private TestKeyPairs() {
    }

    /** The pair of {@code spec} most tests use. */
    static Pair of(KeySpec spec) {
        return FIRST.computeIfAbsent(spec, Pair::generate);
    }

    /** A second pair of {@code spec}: "another key". */
    static Pair other(KeySpec spec) {
        return SECOND.computeIfAbsent(spec, Pair::generate);
    }

    /** The key pair spec a signature algorithm signs with. */
    static KeySpec specOf(SignatureAlgorithm algorithm) {
        for (KeySpec spec : KEY_PAIR_SPECS) {
            if (algorithm.fits(spec)) {
                return spec;
            }
        }
        throw new IllegalArgumentException(algorithm.toString());
    }

    /** The key pair spec a public-key encryption scheme works with. */
    static KeySpec specOf(PublicKeyEncryption scheme) {
        for (KeySpec spec : KEY_PAIR_SPECS) {
            if (scheme.fits(spec)) {
                return spec;
            }
        }
        throw new IllegalArgumentException(scheme.toString());
    }

    /** A test key pair, its encodings and the engine's parsed forms. */
    static final class Pair {

        private final KeySpec spec;
        private final byte[] publicDer;
        private final byte[] pkcs8;
        private final AsymmetricPrivateKey privateKey;
        private final AsymmetricPublicKey publicKey;

        private Pair(KeySpec spec, byte[] publicDer, byte[] pkcs8) {
            this.spec = spec;
            this.publicDer = publicDer;
            this.pkcs8 = pkcs8;
            this.privateKey = AsymmetricPrivateKey.parse(spec, SecretBytes.copyOf(pkcs8));
            this.publicKey = AsymmetricPublicKey.fromDer(publicDer);
        }

        private static Pair generate(KeySpec spec) {
            try (EncodedKeyPair pair = KeyPairs.generate(spec)) {
                return new Pair(spec, pair.publicKey(), pair.privateKey().insecureBytes().clone());
            }
        }

        KeySpec spec() {
            return spec;
        }

        /** DER SubjectPublicKeyInfo. */
        byte[] publicDer() {
            return publicDer.clone();
        }

        /** PEM {@code PUBLIC KEY}, as {@link AsymmetricPublicKey#pem} writes it. */
        String publicPem() {
            return AsymmetricPublicKey.pem(publicDer);
        }

        /** PKCS#8 DER. */
        byte[] pkcs8() {
            return pkcs8.clone();
        }

        /** PEM {@code PRIVATE KEY} (PKCS#8), as {@code openssl pkey} writes it. */
        String privatePem() {
            return "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pkcs8)
                    + "\n-----END PRIVATE KEY-----\n";
        }

        AsymmetricPrivateKey privateKey() {
            return privateKey;
        }

        AsymmetricPublicKey publicKey() {
            return publicKey;
        }
    }
}
