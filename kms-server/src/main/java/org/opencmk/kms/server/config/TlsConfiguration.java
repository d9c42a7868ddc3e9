package org.opencmk.kms.server.config;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.opencmk.kms.server.KmsProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.pem.PemContent;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.reactive.ConfigurableReactiveWebServerFactory;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * HTTPS without a proxy (seed 003 §5.2; seed 004: the SDKs call {@code https://} by default). With
 * {@code KMS_TLS_CERT} and {@code KMS_TLS_KEY} (PEM files) the server speaks HTTPS only, TLS 1.2
 * and 1.3, through Spring Boot's own SSL support; with neither, plain HTTP. Both files are read and
 * checked before the server listens: one without the other, an unreadable or invalid file, or a key
 * that is not the certificate's stops the start with a message naming the variable. The key's
 * content is never logged nor put in a message.
 */
@Component
public class TlsConfiguration implements WebServerFactoryCustomizer<ConfigurableReactiveWebServerFactory>, Ordered {

    /** TLS 1.0 and 1.1 are deprecated (RFC 8996): pinned here rather than left to the JVM's security settings. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    static final String CERT_VARIABLE = "KMS_TLS_CERT";
    static final String KEY_VARIABLE = "KMS_TLS_KEY";
    private static final Logger log = LoggerFactory.getLogger(TlsConfiguration.class);

    private final KmsProperties.Tls tls;

    public TlsConfiguration(KmsProperties properties) {
        this.tls = properties.tls();
    }

    /** After Boot's own customizer (order 0), which would otherwise replace this SSL setting with server.ssl's. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void customize(ConfigurableReactiveWebServerFactory factory) {
        if (tls.cert() == null && tls.key() == null) {
            log.info("HTTPS off ({} and {} not set): plain HTTP, for loopback or behind a TLS proxy only",
                    CERT_VARIABLE, KEY_VARIABLE);
            return;
        }
        if (tls.key() == null) {
            throw new IllegalStateException(CERT_VARIABLE + " is set but " + KEY_VARIABLE
                    + " is not: set both (PEM certificate chain and PEM private key) for HTTPS, or neither");
        }
        if (tls.cert() == null) {
            throw new IllegalStateException(KEY_VARIABLE + " is set but " + CERT_VARIABLE
                    + " is not: set both (PEM certificate chain and PEM private key) for HTTPS, or neither");
        }
        X509Certificate certificate = readCertificate(tls.cert());
        requireKeyOf(certificate, readKey(tls.key()));

        Ssl ssl = new Ssl();
        ssl.setCertificate(tls.cert().toAbsolutePath().toUri().toString());
        ssl.setCertificatePrivateKey(tls.key().toAbsolutePath().toUri().toString());
        ssl.setEnabledProtocols(PROTOCOLS.clone());
        factory.setSsl(ssl);

        Instant notAfter = certificate.getNotAfter().toInstant();
        log.info("HTTPS on, {} only: certificate {} for {}, valid until {}", String.join(" and ", PROTOCOLS),
                tls.cert().toAbsolutePath(), certificate.getSubjectX500Principal().getName(), notAfter);
        if (notAfter.isBefore(Instant.now())) {
            log.warn("The certificate in {} expired on {}: clients will refuse it", CERT_VARIABLE, notAfter);
        }
    }

    private static X509Certificate readCertificate(Path file) {
        List<X509Certificate> chain;
        try {
            chain = PemContent.load(file).getCertificates();
        } catch (IOException e) {
            throw new IllegalStateException(CERT_VARIABLE + ": cannot read " + file.toAbsolutePath()
                    + " (" + e.getClass().getSimpleName() + ")");
        } catch (RuntimeException e) {
            throw new IllegalStateException(CERT_VARIABLE + ": " + file.toAbsolutePath()
                    + " holds no PEM certificate (" + e.getMessage() + ")");
        }
        return chain.get(0);
    }

    /** Only Boot's own messages, never a cause: a parser's exception could quote the key. */
    private static PrivateKey readKey(Path file) {
        PemContent pem;
        try {
            pem = PemContent.load(file);
        } catch (IOException e) {
            throw new IllegalStateException(KEY_VARIABLE + ": cannot read " + file.toAbsolutePath()
                    + " (" + e.getClass().getSimpleName() + ")");
        }
        try {
            return pem.getPrivateKey();
        } catch (RuntimeException e) {
            throw new IllegalStateException(KEY_VARIABLE + ": " + file.toAbsolutePath()
                    + " holds no unencrypted PEM private key (PKCS#8, PKCS#1 RSA or SEC 1 EC)");
        }
    }

    /** A swapped or stale key would let the server start and then fail every handshake. */
    private static void requireKeyOf(X509Certificate certificate, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return; // an unusual key type (e.g. RSASSA-PSS): the first handshake will tell
        }
        if (!signs(algorithm, key, certificate.getPublicKey())) {
            throw new IllegalStateException(KEY_VARIABLE + " (" + key.getAlgorithm() + " key) is not the private key of "
                    + "the certificate in " + CERT_VARIABLE + " (" + certificate.getSubjectX500Principal().getName() + ")");
        }
    }

    private static boolean signs(String algorithm, PrivateKey key, PublicKey publicKey) {
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an EC key for an RSA certificate
        }
    }
}
