package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.opencmk.kms.server.support.Sdk.b64;
import static org.opencmk.kms.server.support.Sdk.text;

import com.tencentcloudapi.common.Credential;
import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.common.profile.ClientProfile;
import com.tencentcloudapi.common.profile.HttpProfile;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.DecryptRequest;
import com.tencentcloudapi.kms.v20190118.models.EncryptRequest;
import com.tencentcloudapi.kms.v20190118.models.ListAlgorithmsRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.Sdk;
import org.opencmk.kms.server.support.TestCertificate;

/**
 * HTTPS without a proxy (seed 003 §5.2; seed 004: the SDKs call {@code https://} by default):
 * with {@code KMS_TLS_CERT} and {@code KMS_TLS_KEY} the server speaks TLS 1.2 and 1.3 only, and
 * nothing in plain text.
 */
class HttpsIT {

    private static final int TLS_1_0 = 0x0301;
    private static final int TLS_1_1 = 0x0302;
    private static final int ALERT = 0x15;
    private static final int FATAL = 2;
    private static final int PROTOCOL_VERSION = 70;

    @TempDir
    static Path certificates;
    private static TestCertificate certificate;
    private static KmsServer server;

    @BeforeAll
    static void start() {
        certificate = TestCertificate.create(certificates.resolve("server"));
        server = KmsServer.start(Map.of(
                "kms.tls.cert", certificate.certFile().toString(),
                "kms.tls.key", certificate.keyFile().toString()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theOfficialSdkCreatesEncryptsAndDecryptsOverItsDefaultHttps() throws Exception {
        assertThat(new HttpProfile().getProtocol()).as("the SDK's default").isEqualTo("https://");
        KmsClient kms = server.adminClient();

        String keyId = Sdk.createKey(kms);
        EncryptRequest encrypt = new EncryptRequest();
        encrypt.setKeyId(keyId);
        encrypt.setPlaintext(b64("over TLS"));
        String blob = kms.Encrypt(encrypt).getCiphertextBlob();
        DecryptRequest decrypt = new DecryptRequest();
        decrypt.setCiphertextBlob(blob);

        assertThat(text(kms.Decrypt(decrypt).getPlaintext())).isEqualTo("over TLS");
    }

    @Test
    void aPlainHttpRequestGetsNoAnswer() throws Exception {
        String answer;
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
            answer = new String(readAll(socket.getInputStream()), StandardCharsets.ISO_8859_1);
        }
        assertThat(answer).doesNotContain("HTTP/");

        HttpProfile http = new HttpProfile();
        http.setEndpoint("127.0.0.1:" + server.port());
        http.setProtocol("http://");
        ClientProfile profile = new ClientProfile();
        profile.setHttpProfile(http);
        KmsClient plain = new KmsClient(new Credential(KmsServer.BOOTSTRAP_SECRET_ID, KmsServer.BOOTSTRAP_SECRET_KEY),
                "ap-guangzhou", profile);
        assertThatThrownBy(() -> plain.ListAlgorithms(new ListAlgorithmsRequest()))
                .isInstanceOf(TencentCloudSDKException.class);
    }

    @Test
    void tls12AndTls13AreAccepted() throws Exception {
        for (String protocol : new String[] {"TLSv1.2", "TLSv1.3"}) {
            SSLSocketFactory client = certificate.sslContext().getSocketFactory();
            try (SSLSocket socket = (SSLSocket) client.createSocket("127.0.0.1", server.port())) {
                socket.setEnabledProtocols(new String[] {protocol});
                socket.startHandshake();
                assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
            }
        }
    }

    /**
     * By hand, not with an {@code SSLSocket}: this JVM's own client refuses to offer TLS 1.0 or 1.1
     * ({@code jdk.tls.disabledAlgorithms}), so it would never reach the server. Here the server gets
     * a genuine old ClientHello and must answer with a fatal protocol_version alert, not a ServerHello.
     */
    @Test
    void tls10AndTls11AreRefused() throws Exception {
        for (int version : new int[] {TLS_1_0, TLS_1_1}) {
            byte[] answer;
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(clientHello(version));
                answer = socket.getInputStream().readNBytes(7);
            }
            assertThat(answer).as("answer to a ClientHello of version %04x", version).hasSize(7);
            assertThat(answer[0] & 0xff).as("record type").isEqualTo(ALERT);
            assertThat(answer[5] & 0xff).as("alert level").isEqualTo(FATAL);
            assertThat(answer[6] & 0xff).as("alert").isEqualTo(PROTOCOL_VERSION);
        }
    }

    @Test
    void theLogSaysHttpsIsOnWithTheCertificateButNeverTheKey() throws Exception {
        String log = Files.readString(server.logFile());
        assertThat(log).contains("HTTPS on").contains("CN=localhost").contains(certificate.certFile().toString());
        for (String line : certificate.keyLines()) {
            assertThat(log).doesNotContain(line);
        }
    }

    @Test
    void aCertificateWithoutItsKeyRefusesToStartNamingTheMissingVariable() {
        Map<String, String> onlyCert = Map.of("kms.tls.cert", certificate.certFile().toString());

        assertThatThrownBy(() -> KmsServer.start(onlyCert).close())
                .hasStackTraceContaining("KMS_TLS_CERT is set but KMS_TLS_KEY is not");
    }

    /** A minimal ClientHello: no extensions, three CBC suites every TLS version up to 1.2 knows. */
    private static byte[] clientHello(int version) {
        ByteArrayOutputStream hello = new ByteArrayOutputStream();
        writeShort(hello, version);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        hello.writeBytes(random);
        hello.write(0); // no session id
        int[] suites = {0xC013, 0xC009, 0x002F}; // ECDHE_RSA / ECDHE_ECDSA / RSA _WITH_AES_128_CBC_SHA
        writeShort(hello, suites.length * 2);
        for (int suite : suites) {
            writeShort(hello, suite);
        }
        hello.write(1); // one compression method: none
        hello.write(0);

        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.write(0x16); // handshake
        writeShort(record, TLS_1_0);
        writeShort(record, hello.size() + 4);
        record.write(1); // client_hello
        record.write(0);
        writeShort(record, hello.size());
        record.writeBytes(hello.toByteArray());
        return record.toByteArray();
    }

    private static void writeShort(OutputStream out, int value) {
        try {
            out.write(value >> 8);
            out.write(value & 0xff);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the server sends before it closes the connection (or resets it). */
    private static byte[] readAll(InputStream in) {
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                read.write(buffer, 0, n);
            }
        } catch (IOException closedOrReset) {
            // the end of the answer either way
        }
        return read.toByteArray();
    }
}
