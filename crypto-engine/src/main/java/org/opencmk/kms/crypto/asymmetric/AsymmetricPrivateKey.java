package org.opencmk.kms.crypto.asymmetric;

import java.io.IOException;
import java.util.Objects;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.events.KeySpec;

/**
 * A private key parsed once from its PKCS#8 encoding, ready for {@link Signatures} and
 * {@link AsymmetricCiphers}, and checked to be of the spec it is used as (an RSA key for
 * RSA_2048, a key on sm2p256v1 for SM2, on P-256 for ECC_P256).
 *
 * <p>What cannot be zeroed: BouncyCastle holds the key as {@code BigInteger}s, which are immutable.
 * The key hierarchy keeps one of these per cached key version and drops it with the version's
 * material; {@link #toString()} shows nothing of the key.
 */
public final class AsymmetricPrivateKey {

    private final KeySpec spec;
    private final AsymmetricKeyParameter key;

    private AsymmetricPrivateKey(KeySpec spec, AsymmetricKeyParameter key) {
        this.spec = spec;
        this.key = key;
    }

    /**
     * @param pkcs8 the private key's PKCS#8 DER encoding; the caller keeps ownership
     * @throws IllegalArgumentException if the bytes are no private key of {@code spec}
     */
    public static AsymmetricPrivateKey parse(KeySpec spec, SecretBytes pkcs8) {
        Objects.requireNonNull(spec, "spec");
        // Outside the try: a destroyed key is the caller's bug, not a malformed one.
        byte[] encoded = pkcs8.insecureBytes();
        AsymmetricKeyParameter key;
        try {
            key = PrivateKeyFactory.createKey(encoded);
        } catch (IOException | RuntimeException e) {
            // No cause: a parser's message may quote the key's bytes.
            throw new IllegalArgumentException("not a PKCS#8 private key");
        }
        if (!key.isPrivate() || !isOfSpec(key, spec)) {
            throw new IllegalArgumentException("not a private key of spec " + spec);
        }
        return new AsymmetricPrivateKey(spec, key);
    }

    /** Whether {@code key} (public or private) is an RSA-2048 key or lies on the curve of {@code spec}. */
    static boolean isOfSpec(AsymmetricKeyParameter key, KeySpec spec) {
        ECNamedDomainParameters curve = EllipticCurves.of(spec);
        if (spec == KeySpec.RSA_2048) {
            return key instanceof RSAKeyParameters rsa
                    && rsa.getModulus().bitLength() == 2048;
        }
        if (curve == null) {
            return false;
        }
        if (key instanceof ECPrivateKeyParameters ec) {
            return curve.equals(ec.getParameters());
        }
        return key instanceof ECPublicKeyParameters ec
                && curve.equals(ec.getParameters());
    }

    public KeySpec spec() {
        return spec;
    }

    AsymmetricKeyParameter parameters() {
        return key;
    }

    @Override
    public String toString() {
        return "AsymmetricPrivateKey[" + spec + ", redacted]";
    }
}
