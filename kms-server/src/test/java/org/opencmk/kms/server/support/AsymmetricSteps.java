package org.opencmk.kms.server.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * Steps around asymmetric CMKs for the integration tests: creating them through the SDK, calling
 * actions with fields the SDK lacks ({@code KeyVersionId}, {@code CreateKeyVersion}) through the
 * {@link RawClient}, and the client-side cryptography a user does without the KMS (SM2's Z and
 * e, the two forms of an SM2 ciphertext, encrypting under a public key), written independently of
 * the server's code.
 */
public final class AsymmetricSteps {

    public static final String DECRYPT_RSA = "ASYMMETRIC_DECRYPT_RSA_2048";
    public static final String DECRYPT_SM2 = "ASYMMETRIC_DECRYPT_SM2";
    public static final String SIGN_RSA = "ASYMMETRIC_SIGN_VERIFY_RSA_2048";
    public static final String SIGN_SM2 = "ASYMMETRIC_SIGN_VERIFY_SM2";
    public static final String SIGN_ECC = "ASYMMETRIC_SIGN_VERIFY_ECC";

    /** GB/T 35276's default signer ID, which openssl's {@code distid} and the KMS use. */
    private static final byte[] SM2_DEFAULT_ID = "1234567812345678".getBytes(StandardCharsets.US_ASCII);
    private static final int SM2_COORDINATE = 32;
    private static final int SM3_LENGTH = 32;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private AsymmetricSteps() {
    }

    /** Tencent CreateKey with a KeyUsage, through the SDK. */
    public static String createKey(KmsClient kms, String keyUsage) throws TencentCloudSDKException {
        return createKey(kms, keyUsage, null);
    }

    public static String createKey(KmsClient kms, String keyUsage, String alias) throws TencentCloudSDKException {
        CreateKeyRequest request = new CreateKeyRequest();
        request.setKeyUsage(keyUsage);
        request.setAlias(alias);
        // SM2 at the current level only where the HSM offers it; SoftHSM2 does not (HsmKeysIT checks the refusal).
        return kms.CreateKey(keyUsage.endsWith("SM2") ? request : ProtectionLevels.atCurrentLevel(request)).getKeyId();
    }

    /** A request body: pairs of field name and value; null values are left out. */
    public static Map<String, Object> body(Object... namesAndValues) {
        Map<String, Object> body = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] != null) {
                body.put((String) namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return body;
    }

    public static RawClient.Answer call(RawClient raw, String action, Map<String, Object> body) {
        try {
            return raw.call(action, JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Response of a call that must succeed. */
    public static JsonNode ok(RawClient raw, String action, Map<String, Object> body) {
        RawClient.Answer answer = call(raw, action, body);
        assertThat(answer.errorCode()).as("%s %s answered %s", action, body, answer.response()).isNull();
        return answer.response();
    }

    /** The error code of a call that must fail. */
    public static String error(RawClient raw, String action, Map<String, Object> body) {
        RawClient.Answer answer = call(raw, action, body);
        assertThat(answer.errorCode()).as("%s %s must fail", action, body).isNotNull();
        return answer.errorCode();
    }

    /** The error message of a call that must fail with {@code code}. */
    public static String errorMessage(RawClient raw, String action, Map<String, Object> body, String code) {
        RawClient.Answer answer = call(raw, action, body);
        assertThat(answer.errorCode()).as("%s %s: %s", action, body, answer.response()).isEqualTo(code);
        return answer.response().path("Error").path("Message").asText();
    }

    /** SignByAsymmetricKey's body: ECC_P256_R1 over a RAW message, with the version named (or null: the newest). */
    public static Map<String, Object> eccSign(String keyId, String versionId, byte[] message) {
        return body("KeyId", keyId, "KeyVersionId", versionId, "Algorithm", "ECC_P256_R1", "MessageType", "RAW",
                "Message", b64(message));
    }

    /** VerifyByAsymmetricKey's body for {@link #eccSign}'s signature. */
    public static Map<String, Object> eccVerify(String keyId, String versionId, byte[] message, String signature) {
        Map<String, Object> body = new LinkedHashMap<>(eccSign(keyId, versionId, message));
        body.put("SignatureValue", signature);
        return body;
    }

    public static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static byte[] unb64(String base64) {
        return Base64.getDecoder().decode(base64);
    }

    /**
     * What an SM2DSA DIGEST Message is: e = SM3(Z || M), Z = SM3(ENTL || ID || a || b || xG || yG
     * || xA || yA) with the default ID (GB/T 32918.2, 5.5 and 6.1), computed here from the public key.
     */
    public static byte[] sm2Digest(byte[] publicKeyDer, byte[] message) {
        ECPublicKeyParameters key = sm2PublicKey(publicKeyDer);
        ECDomainParameters domain = key.getParameters();
        ECPoint g = domain.getG().normalize();
        ECPoint q = key.getQ().normalize();
        SM3Digest z = new SM3Digest();
        int entl = SM2_DEFAULT_ID.length * 8;
        z.update((byte) (entl >> 8));
        z.update((byte) entl);
        z.update(SM2_DEFAULT_ID, 0, SM2_DEFAULT_ID.length);
        for (BigInteger element : new BigInteger[] {domain.getCurve().getA().toBigInteger(),
                domain.getCurve().getB().toBigInteger(), g.getAffineXCoord().toBigInteger(),
                g.getAffineYCoord().toBigInteger(), q.getAffineXCoord().toBigInteger(),
                q.getAffineYCoord().toBigInteger()}) {
            byte[] bytes = BigIntegers.asUnsignedByteArray(SM2_COORDINATE, element);
            z.update(bytes, 0, bytes.length);
        }
        byte[] zValue = new byte[SM3_LENGTH];
        z.doFinal(zValue, 0);
        SM3Digest e = new SM3Digest();
        e.update(zValue, 0, zValue.length);
        e.update(message, 0, message.length);
        byte[] eValue = new byte[SM3_LENGTH];
        e.doFinal(eValue, 0);
        return eValue;
    }

    /** SM2 encryption under a public key (C1C3C2, raw: {@code 04 || x || y || C3 || C2}), as a client would do it. */
    public static byte[] sm2Encrypt(byte[] publicKeyDer, byte[] plaintext) {
        try {
            SM2Engine engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
            engine.init(true, new ParametersWithRandom(sm2PublicKey(publicKeyDer), RANDOM));
            return engine.processBlock(plaintext, 0, plaintext.length);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** RSAES-OAEP with SHA-256 and MGF1-SHA-256 (openssl's {@code rsa_oaep_md:sha256}) under a public key. */
    public static byte[] rsaOaepSha256Encrypt(byte[] publicKeyDer, byte[] plaintext) {
        try {
            PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(publicKeyDer));
            Cipher cipher = Cipher.getInstance("RSA/ECB/OAEPPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
                    PSource.PSpecified.DEFAULT));
            return cipher.doFinal(plaintext);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The raw C1C3C2 form of openssl's DER SM2 ciphertext ({@code SEQUENCE { x, y, C3, C2 }}). */
    public static byte[] sm2DerToRaw(byte[] der) {
        try {
            ASN1Sequence sequence = ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(der));
            byte[] x = BigIntegers.asUnsignedByteArray(SM2_COORDINATE,
                    ASN1Integer.getInstance(sequence.getObjectAt(0)).getPositiveValue());
            byte[] y = BigIntegers.asUnsignedByteArray(SM2_COORDINATE,
                    ASN1Integer.getInstance(sequence.getObjectAt(1)).getPositiveValue());
            byte[] c3 = ASN1OctetString.getInstance(sequence.getObjectAt(2)).getOctets();
            byte[] c2 = ASN1OctetString.getInstance(sequence.getObjectAt(3)).getOctets();
            byte[] raw = new byte[1 + 2 * SM2_COORDINATE + c3.length + c2.length];
            raw[0] = 0x04;
            System.arraycopy(x, 0, raw, 1, SM2_COORDINATE);
            System.arraycopy(y, 0, raw, 1 + SM2_COORDINATE, SM2_COORDINATE);
            System.arraycopy(c3, 0, raw, 1 + 2 * SM2_COORDINATE, c3.length);
            System.arraycopy(c2, 0, raw, 1 + 2 * SM2_COORDINATE + c3.length, c2.length);
            return raw;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The DER form openssl reads, of a raw C1C3C2 SM2 ciphertext. */
    public static byte[] sm2RawToDer(byte[] raw) {
        assertThat(raw[0]).as("a raw SM2 ciphertext starts with an uncompressed point").isEqualTo((byte) 0x04);
        ASN1EncodableVector fields = new ASN1EncodableVector();
        fields.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 1, 1 + SM2_COORDINATE))));
        fields.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 1 + SM2_COORDINATE, 1 + 2 * SM2_COORDINATE))));
        int c2 = 1 + 2 * SM2_COORDINATE + SM3_LENGTH;
        fields.add(new DEROctetString(Arrays.copyOfRange(raw, 1 + 2 * SM2_COORDINATE, c2)));
        fields.add(new DEROctetString(Arrays.copyOfRange(raw, c2, raw.length)));
        try {
            return new DERSequence(fields).getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code bytes} with one bit of byte {@code index} flipped. */
    public static byte[] flipped(byte[] bytes, int index) {
        byte[] copy = bytes.clone();
        copy[index] ^= 0x01;
        return copy;
    }

    private static ECPublicKeyParameters sm2PublicKey(byte[] der) {
        try {
            return (ECPublicKeyParameters) PublicKeyFactory.createKey(der);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
