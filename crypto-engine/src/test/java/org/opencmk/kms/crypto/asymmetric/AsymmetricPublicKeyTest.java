package org.opencmk.kms.crypto.asymmetric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.events.KeySpec;

class AsymmetricPublicKeyTest {

    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"RSA_2048", "SM2", "ECC_P256"})
    void aPublicKeyIsReadAsItsSpecFromDerAndPem(KeySpec spec) {
        TestKeyPairs.Pair pair = TestKeyPairs.of(spec);

        assertThat(AsymmetricPublicKey.fromDer(pair.publicDer()).spec()).isEqualTo(spec);
        assertThat(AsymmetricPublicKey.fromPem(pair.publicPem()).spec()).isEqualTo(spec);
    }

    /** {@code openssl pkey -pubout}'s form: 64 characters a line, {@code \n}, the RFC 7468 label. */
    @Test
    void pemIsOpenSslsForm() {
        byte[] der = TestKeyPairs.of(KeySpec.RSA_2048).publicDer();

        String pem = AsymmetricPublicKey.pem(der);

        assertThat(pem).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("\n-----END PUBLIC KEY-----\n")
                .doesNotContain("\r");
        List<String> lines = pem.lines().toList();
        List<String> body = lines.subList(1, lines.size() - 1);
        assertThat(body).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(64));
        assertThat(body.subList(0, body.size() - 1)).allSatisfy(line -> assertThat(line).hasSize(64));
        assertThat(Base64.getDecoder().decode(String.join("", body))).isEqualTo(der);
    }

    @ParameterizedTest
    @EnumSource(value = KeySpec.class, names = {"RSA_2048", "SM2", "ECC_P256"})
    void pemIsReadWithAnyLineBreaks(KeySpec spec) {
        TestKeyPairs.Pair pair = TestKeyPairs.of(spec);
        String pem = pair.publicPem();
        String body = Base64.getEncoder().encodeToString(pair.publicDer());

        for (String variant : List.of(pem,
                pem.replace("\n", "\r\n"),
                pem.strip(),
                "-----BEGIN PUBLIC KEY-----" + body + "-----END PUBLIC KEY-----",
                "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PUBLIC KEY-----",
                "\n  " + pem.replace("\n", "\r\n") + "\r\n\r\n",
                // lines of 76 characters and CRLF, as Java's MIME encoder writes them
                "-----BEGIN PUBLIC KEY-----\r\n" + Base64.getMimeEncoder().encodeToString(pair.publicDer())
                        + "\r\n-----END PUBLIC KEY-----\r\n")) {
            assertThat(AsymmetricPublicKey.fromPem(variant).spec()).as(variant).isEqualTo(spec);
        }
    }

    @Test
    void privateKeysAreRefused() {
        TestKeyPairs.Pair pair = TestKeyPairs.of(KeySpec.ECC_P256);
        byte[] pkcs8 = pair.pkcs8();

        assertRefused(pair.privatePem());
        assertRefused(pem("PUBLIC KEY", pkcs8));
        assertThatThrownBy(() -> AsymmetricPublicKey.fromDer(pkcs8)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void certificatesAreRefused() {
        byte[] certificate = Base64.getMimeDecoder().decode(OtherKeys.CERTIFICATE_PEM
                .replace("-----BEGIN CERTIFICATE-----", "").replace("-----END CERTIFICATE-----", ""));

        assertRefused(OtherKeys.CERTIFICATE_PEM);
        assertRefused(pem("PUBLIC KEY", certificate));
        assertThatThrownBy(() -> AsymmetricPublicKey.fromDer(certificate)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysOfNoSupportedSpecAreRefused() {
        List<byte[]> others = List.of(
                OtherKeys.rsa1024().getPublic().getEncoded(),
                OtherKeys.secp384r1().getPublic().getEncoded(),
                OtherKeys.ed25519().getPublic().getEncoded(),
                OtherKeys.secp256k1PublicAndPrivate()[0]);

        for (byte[] der : others) {
            assertThatThrownBy(() -> AsymmetricPublicKey.fromDer(der))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("neither an RSA-2048, an SM2 nor a P-256 public key");
            assertRefused(AsymmetricPublicKey.pem(der));
        }
    }

    @Test
    void garbageIsRefused() {
        byte[] der = TestKeyPairs.of(KeySpec.SM2).publicDer();
        String body = Base64.getEncoder().encodeToString(der);

        for (String garbage : List.of("", " ", "hello",
                "-----BEGIN PUBLIC KEY-----",
                "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----",
                "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----",
                "-----BEGIN PUBLIC KEY-----\n" + body + "\n",
                body,
                "-----BEGIN RSA PUBLIC KEY-----\n" + body + "\n-----END RSA PUBLIC KEY-----",
                "-----BEGIN PUBLIC KEY-----\n" + body + "\n-----END PRIVATE KEY-----",
                "text before\n" + AsymmetricPublicKey.pem(der),
                AsymmetricPublicKey.pem(der) + "text after",
                AsymmetricPublicKey.pem(der) + AsymmetricPublicKey.pem(der),
                "-----BEGIN PUBLIC KEY-----\n" + body.substring(0, body.length() - 8) + "\n-----END PUBLIC KEY-----",
                "-----BEGIN PUBLIC KEY-----\n" + body + "AAAA\n-----END PUBLIC KEY-----",
                pem("PUBLIC KEY", RandomSource.randomBytes(91)))) {
            assertRefused(garbage);
        }
        for (byte[] bytes : List.of(new byte[0], new byte[] {0x30}, RandomSource.randomBytes(91),
                Arrays.copyOf(der, der.length - 1), "PUBLIC KEY".getBytes(StandardCharsets.US_ASCII))) {
            assertThatThrownBy(() -> AsymmetricPublicKey.fromDer(bytes)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static void assertRefused(String pem) {
        assertThatThrownBy(() -> AsymmetricPublicKey.fromPem(pem))
                .as(pem)
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }
}
