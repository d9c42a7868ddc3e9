package org.opencmk.kms.crypto.asymmetric;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.opencmk.kms.crypto.RandomSource;

/** Keys of no spec the KMS has (RSA-1024, other curves, Ed25519), as DER: what must be refused. */
final class OtherKeys {

    /** A self-signed certificate of a P-256 key (openssl req -x509): a valid key, yet no public key PEM. */
    static final String CERTIFICATE_PEM = """
            -----BEGIN CERTIFICATE-----
            MIIBhjCCASugAwIBAgIUcmqo4SqOiGpJHvZqZqlm+3eLTkAwCgYIKoZIzj0EAwIw
            FzEVMBMGA1UEAwwMb3BlbmNtay10ZXN0MCAXDTI2MTEzMDE2MjgzNFoYDzIxMjYx
            MTA2MTYyODM0WjAXMRUwEwYDVQQDDAxvcGVuY21rLXRlc3QwWTATBgcqhkjOPQIB
            BggqhkjOPQMBBwNCAAT2zuQEMvk3wrjCv/oSENCF4seK8KZ2yYtbkfaXWelMza7U
            Ueca5yDMWgG5L1uvCsTAUG5ZDhvkVG3phEx+IsyCo1MwUTAdBgNVHQ4EFgQUElXr
            gy3QZXfLj77yg5vzsfFnRGcwHwYDVR0jBBgwFoAUElXrgy3QZXfLj77yg5vzsfFn
            RGcwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA0WFkqSJjGrWB
            ypJYFGn96Ydr6VzeOV5Gtr9ms7dTDtwCIQDm4udfMbUnW9Eauu3nx1+GxRGUqo6T
            rfzgJxF2DE9Csg==
            -----END CERTIFICATE-----
            """;

    private static KeyPair rsa1024;
    private static KeyPair secp384r1;
    private static KeyPair ed25519;

    private OtherKeys() {
    }

    static synchronized KeyPair rsa1024() {
        if (rsa1024 == null) {
            rsa1024 = generate("RSA", generator -> generator.initialize(1024));
        }
        return rsa1024;
    }

    static synchronized KeyPair secp384r1() {
        if (secp384r1 == null) {
            secp384r1 = generate("EC", generator -> generator.initialize(new ECGenParameterSpec("secp384r1")));
        }
        return secp384r1;
    }

    static synchronized KeyPair ed25519() {
        if (ed25519 == null) {
            ed25519 = generate("Ed25519", generator -> { });
        }
        return ed25519;
    }

    /** secp256k1, which the JDK no longer offers: a 256-bit curve that is neither P-256 nor SM2's. */
    static byte[][] secp256k1PublicAndPrivate() {
        return bcEc(SECObjectIdentifiers.secp256k1);
    }

    private static byte[][] bcEc(ASN1ObjectIdentifier curve) {
        ECKeyPairGenerator generator = new ECKeyPairGenerator();
        generator.init(new ECKeyGenerationParameters(ECNamedDomainParameters.lookup(curve),
                RandomSource.secureRandom()));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        try {
            return new byte[][] {
                SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(pair.getPublic()).getEncoded(),
                PrivateKeyInfoFactory.createPrivateKeyInfo(pair.getPrivate()).getEncoded()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Initialisation {
        void initialise(KeyPairGenerator generator) throws GeneralSecurityException;
    }

    private static KeyPair generate(String algorithm, Initialisation initialisation) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            initialisation.initialise(generator);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
