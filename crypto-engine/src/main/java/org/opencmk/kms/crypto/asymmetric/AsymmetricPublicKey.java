package org.opencmk.kms.crypto.asymmetric;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.opencmk.kms.events.KeySpec;

/**
 * A public key parsed from DER SubjectPublicKeyInfo (what GetPublicKey answers) or its PEM form
 * (what Decrypt's {@code EncryptionPublicKey} carries), with the asymmetric {@link KeySpec} it is
 * of. Immutable and thread-safe.
 */
public final class AsymmetricPublicKey {

    private static final Pattern PEM = Pattern.compile(
            "\\A\\s*-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----\\s*\\z");
    private static final KeySpec[] KEY_PAIR_SPECS = {KeySpec.RSA_2048, KeySpec.SM2, KeySpec.ECC_P256};

    private final KeySpec spec;
    private final AsymmetricKeyParameter key;

    private AsymmetricPublicKey(KeySpec spec, AsymmetricKeyParameter key) {
        this.spec = spec;
        this.key = key;
    }

    /**
     * @throws IllegalArgumentException if {@code der} is no RSA-2048, SM2 or P-256 public key
     */
    public static AsymmetricPublicKey fromDer(byte[] der) {
        Objects.requireNonNull(der, "der");
        AsymmetricKeyParameter key;
        try {
            key = PublicKeyFactory.createKey(der);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a DER SubjectPublicKeyInfo");
        }
        if (key.isPrivate()) {
            throw new IllegalArgumentException("not a public key");
        }
        for (KeySpec spec : KEY_PAIR_SPECS) {
            if (AsymmetricPrivateKey.isOfSpec(key, spec)) {
                return new AsymmetricPublicKey(spec, key);
            }
        }
        throw new IllegalArgumentException("neither an RSA-2048, an SM2 nor a P-256 public key");
    }

    /**
     * A PEM {@code PUBLIC KEY} (RFC 7468: SubjectPublicKeyInfo), as {@code openssl pkey -pubout}
     * writes it; line breaks may be {@code \n}, {@code \r\n} or none.
     *
     * @throws IllegalArgumentException if {@code pem} is no such PEM, or not of a supported key
     */
    public static AsymmetricPublicKey fromPem(String pem) {
        Matcher matcher = PEM.matcher(Objects.requireNonNull(pem, "pem"));
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a PEM PUBLIC KEY");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(matcher.group(1).getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a PEM PUBLIC KEY");
        }
        return fromDer(der);
    }

    /** The PEM form of a DER SubjectPublicKeyInfo: 64 characters a line, {@code \n} line ends. */
    public static String pem(byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----\n";
    }

    public KeySpec spec() {
        return spec;
    }

    AsymmetricKeyParameter parameters() {
        return key;
    }
}
