package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.AsymmetricRsaDecryptRequest;
import com.tencentcloudapi.kms.v20190118.models.AsymmetricSm2DecryptRequest;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.GetPublicKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.GetPublicKeyResponse;
import com.tencentcloudapi.kms.v20190118.models.SignByAsymmetricKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.VerifyByAsymmetricKeyRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.Openssl;
import org.opencmk.kms.server.support.SharedKmsServer;

class AsymmetricSmokeIT {

    private static KmsClient kms;

    @BeforeAll
    static void server() {
        kms = SharedKmsServer.get().adminClient();
    }

    @Test
    void signVerifyAndDecryptWithOpenssl(@TempDir Path dir) throws Exception {
        Openssl.assumeInstalled();
        Openssl openssl = new Openssl(dir);
        Files.writeString(dir.resolve("msg.txt"), "test\n");
        String[][] cases = {
                {"ASYMMETRIC_SIGN_VERIFY_RSA_2048", "RSA_PSS_SHA_256",
                        "openssl dgst -sha256 -verify pub.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 -signature sig.bin msg.txt"},
                {"ASYMMETRIC_SIGN_VERIFY_RSA_2048", "RSA_PKCS1_SHA_256",
                        "openssl dgst -sha256 -verify pub.pem -signature sig.bin msg.txt"},
                {"ASYMMETRIC_SIGN_VERIFY_ECC", "ECC_P256_R1",
                        "openssl dgst -sha256 -verify pub.pem -signature sig.bin msg.txt"},
                {"ASYMMETRIC_SIGN_VERIFY_SM2", "SM2DSA",
                        "openssl dgst -sm3 -verify pub.pem -sigopt distid:1234567812345678 -signature sig.bin msg.txt"}};
        for (String[] c : cases) {
            String keyId = create(c[0]);
            GetPublicKeyRequest get = new GetPublicKeyRequest();
            get.setKeyId(keyId);
            GetPublicKeyResponse publicKey = kms.GetPublicKey(get);
            Files.writeString(dir.resolve("pub.pem"), publicKey.getPublicKeyPem());
            SignByAsymmetricKeyRequest sign = new SignByAsymmetricKeyRequest();
            sign.setKeyId(keyId);
            sign.setAlgorithm(c[1]);
            sign.setMessage(Base64.getEncoder().encodeToString("test\n".getBytes(StandardCharsets.UTF_8)));
            sign.setMessageType("RAW");
            String signature = kms.SignByAsymmetricKey(sign).getSignature();
            Files.write(dir.resolve("sig.bin"), Base64.getDecoder().decode(signature));
            openssl.run(c[2]);
            VerifyByAsymmetricKeyRequest verify = new VerifyByAsymmetricKeyRequest();
            verify.setKeyId(keyId);
            verify.setAlgorithm(c[1]);
            verify.setMessage(sign.getMessage());
            verify.setMessageType("RAW");
            verify.setSignatureValue(signature);
            assertThat(kms.VerifyByAsymmetricKey(verify).getSignatureValid()).as(c[1]).isTrue();
        }

        String rsa = create("ASYMMETRIC_DECRYPT_RSA_2048");
        GetPublicKeyRequest get = new GetPublicKeyRequest();
        get.setKeyId(rsa);
        Files.write(dir.resolve("public_key.bin"), Base64.getDecoder().decode(kms.GetPublicKey(get).getPublicKey()));
        openssl.run("openssl pkeyutl -in msg.txt -out encrypted.bin -inkey public_key.bin -keyform DER -pubin -encrypt "
                + "-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256");
        AsymmetricRsaDecryptRequest decrypt = new AsymmetricRsaDecryptRequest();
        decrypt.setKeyId(rsa);
        decrypt.setAlgorithm("RSAES_OAEP_SHA_256");
        decrypt.setCiphertext(Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("encrypted.bin"))));
        assertThat(new String(Base64.getDecoder().decode(kms.AsymmetricRsaDecrypt(decrypt).getPlaintext()),
                StandardCharsets.UTF_8)).isEqualTo("test\n");

        String sm2 = create("ASYMMETRIC_DECRYPT_SM2");
        get.setKeyId(sm2);
        Files.writeString(dir.resolve("sm2.pem"), kms.GetPublicKey(get).getPublicKeyPem());
        openssl.run("openssl pkeyutl -in msg.txt -out sm2.bin -inkey sm2.pem -pubin -encrypt");
        AsymmetricSm2DecryptRequest sm2Decrypt = new AsymmetricSm2DecryptRequest();
        sm2Decrypt.setKeyId(sm2);
        sm2Decrypt.setCiphertext(Base64.getEncoder().encodeToString(Files.readAllBytes(dir.resolve("sm2.bin"))));
        assertThat(new String(Base64.getDecoder().decode(kms.AsymmetricSm2Decrypt(sm2Decrypt).getPlaintext()),
                StandardCharsets.UTF_8)).isEqualTo("test\n");
    }

    private static String create(String usage) throws Exception {
        CreateKeyRequest request = new CreateKeyRequest();
        request.setKeyUsage(usage);
        return kms.CreateKey(request).getKeyId();
    }
}
