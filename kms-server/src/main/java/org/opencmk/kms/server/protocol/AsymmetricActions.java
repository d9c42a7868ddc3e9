package org.opencmk.kms.server.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import org.opencmk.kms.crypto.asymmetric.AsymmetricPublicKey;
import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.audit.AuditSubject;
import org.opencmk.kms.server.usage.AsymmetricCryptoService;
import org.opencmk.kms.server.usage.CryptoService;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Asymmetric keys (seed 004 "非对称加解密", "签名验签"; CTyun guide 3.4): GetPublicKey,
 * SignByAsymmetricKey, VerifyByAsymmetricKey, AsymmetricRsaDecrypt, AsymmetricSm2Decrypt. Each
 * takes an optional {@code KeyVersionId} (an extension; default: the newest version) and reports
 * the version used. CPU-only on in-memory state; the private-key and verification operations,
 * which cost up to milliseconds, run on the compute scheduler, GetPublicKey on the event loop.
 */
@Component
class AsymmetricActions implements ActionSet {

    record PublicKeyRequest(String keyId, String keyVersionId) { }
    record SignRequest(String keyId, String keyVersionId, String algorithm, String message, String messageType) { }
    record VerifyRequest(String keyId, String keyVersionId, String algorithm, String message, String messageType,
                         String signatureValue) { }
    record RsaDecryptRequest(String keyId, String keyVersionId, String ciphertext, String algorithm) { }
    record Sm2DecryptRequest(String keyId, String keyVersionId, String ciphertext) { }

    record PublicKeyResponse(String keyId, String publicKey, String publicKeyPem, String keyVersionId,
                             @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }
    record SignResponse(String signature, String keyId, String keyVersionId,
                        @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }
    record VerifyResponse(boolean signatureValid, String keyId, String keyVersionId,
                          @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }
    record DecryptResponse(String keyId, String plaintext, String keyVersionId,
                           @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }

    private final AsymmetricCryptoService asymmetric;

    AsymmetricActions(AsymmetricCryptoService asymmetric) {
        this.asymmetric = asymmetric;
    }

    @Override
    public List<Action<?>> actions() {
        return List.of(
                Action.onEventLoop("GetPublicKey", PublicKeyRequest.class, this::publicKey, PublicKeyRequest::keyId),
                Action.compute("SignByAsymmetricKey", SignRequest.class, this::sign, SignRequest::keyId),
                Action.compute("VerifyByAsymmetricKey", VerifyRequest.class, this::verify, VerifyRequest::keyId),
                Action.compute("AsymmetricRsaDecrypt", RsaDecryptRequest.class, this::rsaDecrypt,
                        RsaDecryptRequest::keyId),
                Action.compute("AsymmetricSm2Decrypt", Sm2DecryptRequest.class, (c, r) -> decrypt(c, r.keyId(),
                        r.keyVersionId(), PublicKeyEncryption.SM2_C1C3C2_ASN1, r.ciphertext()), Sm2DecryptRequest::keyId));
    }

    private Mono<?> publicKey(Caller caller, PublicKeyRequest r) {
        AsymmetricCryptoService.PublicKeyOf found = asymmetric.publicKey(caller.account(),
                Fields.required(r.keyId(), "KeyId"), r.keyVersionId());
        return Mono.just(new PublicKeyResponse(found.key().keyId().value(), Fields.base64(found.der()),
                AsymmetricPublicKey.pem(found.der()), found.version().id().value(),
                AuditSubject.key(found.key().keyId(), found.version().id())));
    }

    private Mono<?> sign(Caller caller, SignRequest r) {
        byte[] message = Fields.base64(r.message(), "Message", ErrorCode.INVALID_PARAMETER_VALUE);
        AsymmetricCryptoService.Signed signed = asymmetric.sign(caller.account(), Fields.required(r.keyId(), "KeyId"),
                r.keyVersionId(), r.algorithm(), r.messageType(), message);
        return Mono.just(new SignResponse(Fields.base64(signed.signature()), signed.key().keyId().value(),
                signed.version().id().value(), AuditSubject.key(signed.key().keyId(), signed.version().id())));
    }

    private Mono<?> verify(Caller caller, VerifyRequest r) {
        byte[] message = Fields.base64(r.message(), "Message", ErrorCode.INVALID_PARAMETER_VALUE);
        byte[] signature = Fields.base64(r.signatureValue(), "SignatureValue", ErrorCode.INVALID_PARAMETER_VALUE);
        AsymmetricCryptoService.Verified verified = asymmetric.verify(caller.account(),
                Fields.required(r.keyId(), "KeyId"), r.keyVersionId(), r.algorithm(), r.messageType(), message,
                signature);
        return Mono.just(new VerifyResponse(verified.valid(), verified.key().keyId().value(),
                verified.version().id().value(), AuditSubject.key(verified.key().keyId(), verified.version().id())));
    }

    /**
     * RSAES-OAEP with SHA-1 or SHA-256 only: Tencent also lists RSAES_PKCS1_V1_5, but decrypting
     * PKCS#1 v1.5 on demand with a long-lived key is the Bleichenbacher oracle, so it is refused.
     */
    private Mono<?> rsaDecrypt(Caller caller, RsaDecryptRequest r) {
        String algorithm = Fields.required(r.algorithm(), "Algorithm");
        PublicKeyEncryption scheme = switch (algorithm) {
            case "RSAES_OAEP_SHA_1" -> PublicKeyEncryption.RSAES_OAEP_SHA_1;
            case "RSAES_OAEP_SHA_256" -> PublicKeyEncryption.RSAES_OAEP_SHA_256;
            case "RSAES_PKCS1_V1_5" -> throw new ProtocolException(ErrorCode.INVALID_ALGORITHM,
                    "RSAES_PKCS1_V1_5 is not decrypted with a CMK: its padding check would be an oracle on the "
                            + "private key; encrypt with RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1");
            default -> throw new ProtocolException(ErrorCode.INVALID_ALGORITHM,
                    "Algorithm must be RSAES_OAEP_SHA_256 or RSAES_OAEP_SHA_1");
        };
        return decrypt(caller, r.keyId(), r.keyVersionId(), scheme, r.ciphertext());
    }

    /** SM2: the DER form openssl writes and the raw C1C3C2 form are both read. */
    private Mono<?> decrypt(Caller caller, String keyId, String keyVersionId, PublicKeyEncryption scheme,
                            String ciphertext) {
        byte[] encrypted = Fields.base64(ciphertext, "Ciphertext", ErrorCode.INVALID_CIPHERTEXT);
        try (CryptoService.Opened opened = asymmetric.decrypt(caller.account(), Fields.required(keyId, "KeyId"),
                keyVersionId, scheme, encrypted)) {
            return Mono.just(new DecryptResponse(opened.key().keyId().value(),
                    Fields.base64(opened.plaintext().insecureBytes()), opened.version().id().value(),
                    AuditSubject.key(opened.key().keyId(), opened.version().id())));
        }
    }
}
