package org.opencmk.kms.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.server.KmsProperties;
import org.opencmk.kms.server.support.TestCertificate;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * What {@code KMS_TLS_CERT} and {@code KMS_TLS_KEY} do to the web server, bound from environment
 * variables as in production: TLS 1.2 and 1.3 only whatever the JVM allows, and every wrong
 * configuration refused with the variable's name and without the key's content.
 */
class TlsConfigurationTest {

    @TempDir
    static Path files;
    private static TestCertificate certificate;
    private static TestCertificate another;

    @BeforeAll
    static void certificates() {
        certificate = TestCertificate.create(files.resolve("server"));
        another = TestCertificate.create(files.resolve("another"));
    }

    @Test
    void bothFilesMakeTheServerSpeakTls12And13OnlyWithThem() {
        NettyReactiveWebServerFactory factory = customized(certificate.certFile(), certificate.keyFile());

        assertThat(factory.getSsl().isEnabled()).isTrue();
        assertThat(factory.getSsl().getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.2", "TLSv1.3");
        assertThat(factory.getSsl().getCertificate()).isEqualTo(certificate.certFile().toUri().toString());
        assertThat(factory.getSsl().getCertificatePrivateKey()).isEqualTo(certificate.keyFile().toUri().toString());
    }

    @Test
    void neitherFileLeavesPlainHttp() {
        assertThat(customized(null, null).getSsl()).isNull();
    }

    @Test
    void oneWithoutTheOtherIsRefusedNamingTheMissingOne() {
        assertThatThrownBy(() -> customized(certificate.certFile(), null))
                .hasMessageContaining("KMS_TLS_CERT is set but KMS_TLS_KEY is not");
        assertThatThrownBy(() -> customized(null, certificate.keyFile()))
                .hasMessageContaining("KMS_TLS_KEY is set but KMS_TLS_CERT is not");
    }

    @Test
    void anUnreadableFileIsRefusedNamingItsVariable() {
        Path missing = files.resolve("missing.pem");

        assertThatThrownBy(() -> customized(missing, certificate.keyFile()))
                .hasMessageStartingWith("KMS_TLS_CERT: cannot read " + missing);
        assertThatThrownBy(() -> customized(certificate.certFile(), missing))
                .hasMessageStartingWith("KMS_TLS_KEY: cannot read " + missing);
    }

    @Test
    void aFileWithoutACertificateIsRefusedWithoutQuotingIt() throws Exception {
        Throwable refusal = catchThrowable(() -> customized(certificate.keyFile(), certificate.keyFile()));

        assertThat(refusal).hasMessageStartingWith("KMS_TLS_CERT: " + certificate.keyFile() + " holds no PEM certificate");
        assertThat(refusal).hasNoCause();
        certificate.keyLines().forEach(line -> assertThat(refusal.getMessage()).doesNotContain(line));
    }

    @Test
    void aFileWithoutAPrivateKeyIsRefusedNamingKmsTlsKey() throws Exception {
        Path garbled = files.resolve("garbled-key.pem");
        Files.writeString(garbled, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");

        assertThatThrownBy(() -> customized(certificate.certFile(), certificate.certFile()))
                .hasMessageStartingWith("KMS_TLS_KEY: " + certificate.certFile() + " holds no unencrypted PEM private key");
        Throwable refusal = catchThrowable(() -> customized(certificate.certFile(), garbled));
        assertThat(refusal).hasMessageStartingWith("KMS_TLS_KEY: " + garbled + " holds no unencrypted PEM private key");
        assertThat(refusal).hasNoCause();
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedWithoutQuotingIt() throws Exception {
        Throwable refusal = catchThrowable(() -> customized(certificate.certFile(), another.keyFile()));

        assertThat(refusal).hasMessageStartingWith("KMS_TLS_KEY (EC key) is not the private key of the certificate in KMS_TLS_CERT")
                .hasNoCause();
        another.keyLines().forEach(line -> assertThat(refusal.getMessage()).doesNotContain(line));
    }

    private static NettyReactiveWebServerFactory customized(Path cert, Path key) {
        Map<String, Object> environment = new HashMap<>();
        if (cert != null) {
            environment.put("KMS_TLS_CERT", cert.toString());
        }
        if (key != null) {
            environment.put("KMS_TLS_KEY", key.toString());
        }
        var variables = ConfigurationPropertySources.from(
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, environment));
        KmsProperties properties = new Binder(variables).bindOrCreate("kms", KmsProperties.class);
        NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory();
        new TlsConfiguration(properties).customize(factory);
        return factory;
    }
}
