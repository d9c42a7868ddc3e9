package org.opencmk.kms.server.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Arrays;
import java.util.List;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.audit.AuditSubject;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.server.usage.AsymmetricCryptoService;
import org.opencmk.kms.server.usage.CryptoService;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * The cryptographic path: Encrypt, Decrypt, ReEncrypt, GenerateDataKey (and, as an extension,
 * GenerateDataKeyWithoutPlaintext), GenerateRandom, ListAlgorithms. CPU-only on in-memory state,
 * so every handler runs on the event loop that read the request.
 */
@Component
class CryptographyActions implements ActionSet {

    record EncryptRequest(String keyId, String plaintext, String encryptionContext) { }
    record DecryptRequest(String ciphertextBlob, String encryptionContext, String encryptionPublicKey,
                          String encryptionAlgorithm) { }
    record ReEncryptRequest(String ciphertextBlob, String destinationKeyId, String sourceEncryptionContext,
                            String destinationEncryptionContext) { }
    record GenerateDataKeyRequest(String keyId, String keySpec, Long numberOfBytes, String encryptionContext,
                                  String encryptionPublicKey, String encryptionAlgorithm) { }
    record GenerateRandomRequest(Long numberOfBytes) { }
    record NoRequest() { }

    record EncryptResponse(String ciphertextBlob, String keyId, String keyVersionId,
                           @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }
    record DecryptResponse(String keyId, String plaintext, String keyVersionId,
                           @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }
    record ReEncryptResponse(String ciphertextBlob, String keyId, String sourceKeyId, boolean reEncrypted,
                             String keyVersionId, @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }
    record GenerateDataKeyResponse(String keyId, String plaintext, String ciphertextBlob, String keyVersionId,
                                   @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }
    record GenerateRandomResponse(String plaintext) { }
    record AlgorithmInfo(String keyUsage, String algorithm) { }
    record ListAlgorithmsResponse(List<AlgorithmInfo> symmetricAlgorithms, List<AlgorithmInfo> asymmetricAlgorithms,
                                  List<AlgorithmInfo> asymmetricSignVerifyAlgorithms) { }

    private final CryptoService crypto;
    private final AsymmetricCryptoService asymmetric;

    CryptographyActions(CryptoService crypto, AsymmetricCryptoService asymmetric) {
        this.crypto = crypto;
        this.asymmetric = asymmetric;
    }

    @Override
    public List<Action<?>> actions() {
        return List.of(
                Action.onEventLoop("Encrypt", EncryptRequest.class, this::encrypt, EncryptRequest::keyId),
                Action.onEventLoop("Decrypt", DecryptRequest.class, this::decrypt, r -> null),
                Action.onEventLoop("ReEncrypt", ReEncryptRequest.class, this::reEncrypt,
                        ReEncryptRequest::destinationKeyId),
                Action.onEventLoop("GenerateDataKey", GenerateDataKeyRequest.class,
                        (c, r) -> generateDataKey(c, r, true), GenerateDataKeyRequest::keyId),
                Action.onEventLoop("GenerateDataKeyWithoutPlaintext", GenerateDataKeyRequest.class,
                        (c, r) -> generateDataKey(c, r, false), GenerateDataKeyRequest::keyId),
                Action.onEventLoop("GenerateRandom", GenerateRandomRequest.class, this::generateRandom, r -> null),
                Action.onEventLoop("ListAlgorithms", NoRequest.class, (c, r) -> Mono.just(listAlgorithms()), r -> null));
    }

    private Mono<?> encrypt(Caller caller, EncryptRequest r) {
        byte[] plaintext = Fields.base64(r.plaintext(), "Plaintext", ErrorCode.INVALID_PLAINTEXT);
        try {
            CryptoService.Sealed sealed = crypto.encrypt(caller.account(), Fields.required(r.keyId(), "KeyId"),
                    plaintext, r.encryptionContext());
            return Mono.just(new EncryptResponse(Fields.base64(sealed.ciphertextBlob()), sealed.key().keyId().value(),
                    sealed.version().id().value(), AuditSubject.key(sealed.key().keyId(), sealed.version().id())));
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    private Mono<?> decrypt(Caller caller, DecryptRequest r) {
        byte[] blob = Fields.base64(r.ciphertextBlob(), "CiphertextBlob", ErrorCode.INVALID_CIPHERTEXT);
        try (CryptoService.Opened opened = crypto.decrypt(caller.account(), blob, r.encryptionContext())) {
            return Mono.just(new DecryptResponse(opened.key().keyId().value(),
                    plaintextField(opened.plaintext(), r.encryptionPublicKey(), r.encryptionAlgorithm()),
                    opened.version().id().value(), AuditSubject.key(opened.key().keyId(), opened.version().id())));
        }
    }

    private Mono<?> reEncrypt(Caller caller, ReEncryptRequest r) {
        byte[] blob = Fields.base64(r.ciphertextBlob(), "CiphertextBlob", ErrorCode.INVALID_CIPHERTEXT);
        CryptoService.ReEncrypted done = crypto.reEncrypt(caller.account(), blob, r.destinationKeyId(),
                r.sourceEncryptionContext(), r.destinationEncryptionContext());
        CryptoService.Sealed sealed = done.sealed();
        return Mono.just(new ReEncryptResponse(Fields.base64(sealed.ciphertextBlob()), sealed.key().keyId().value(),
                done.sourceKey().keyId().value(), true, sealed.version().id().value(),
                AuditSubject.reEncrypted(done.sourceKey().keyId(), done.sourceVersion().id(), sealed.key().keyId(),
                        sealed.version().id())));
    }

    /** KeySpec AES_128 or AES_256, or NumberOfBytes 1–1024; KeySpec wins when both are given. */
    private Mono<?> generateDataKey(Caller caller, GenerateDataKeyRequest r, boolean withPlaintext) {
        int length;
        if (r.keySpec() != null && !r.keySpec().isEmpty()) {
            length = switch (r.keySpec()) {
                case "AES_128" -> 16;
                case "AES_256" -> 32;
                default -> throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE, "KeySpec must be AES_128 or AES_256");
            };
        } else if (r.numberOfBytes() != null) {
            length = Fields.inRange(r.numberOfBytes(), 0, CryptoService.MIN_RANDOM_BYTES, CryptoService.MAX_RANDOM_BYTES,
                    "NumberOfBytes");
        } else {
            throw new ProtocolException(ErrorCode.MISSING_PARAMETER, "KeySpec or NumberOfBytes is required");
        }
        CryptoService.DataKey dataKey = crypto.generateDataKey(caller.account(), Fields.required(r.keyId(), "KeyId"),
                length, r.encryptionContext(), withPlaintext);
        String plaintext = null;
        if (dataKey.plaintext() != null) {
            try (var secret = dataKey.plaintext()) {
                plaintext = plaintextField(secret, r.encryptionPublicKey(), r.encryptionAlgorithm());
            }
        }
        CryptoService.Sealed sealed = dataKey.sealed();
        return Mono.just(new GenerateDataKeyResponse(sealed.key().keyId().value(), plaintext,
                Fields.base64(sealed.ciphertextBlob()), sealed.version().id().value(),
                AuditSubject.key(sealed.key().keyId(), sealed.version().id())));
    }

    private Mono<?> generateRandom(Caller caller, GenerateRandomRequest r) {
        int length = Fields.inRange(Fields.required(r.numberOfBytes(), "NumberOfBytes"), 0,
                CryptoService.MIN_RANDOM_BYTES, CryptoService.MAX_RANDOM_BYTES, "NumberOfBytes");
        return Mono.just(new GenerateRandomResponse(Fields.base64(crypto.generateRandom(length))));
    }

    /**
     * Tencent's {@code Plaintext}: base64 of the plaintext, or, with an {@code EncryptionPublicKey},
     * base64 of the plaintext encrypted under it ({@code EncryptionAlgorithm}, SM2 by default), so
     * that it never leaves the service unencrypted.
     */
    private String plaintextField(SecretBytes plaintext, String encryptionPublicKey, String encryptionAlgorithm) {
        if (encryptionPublicKey == null || encryptionPublicKey.isEmpty()) {
            if (encryptionAlgorithm != null && !encryptionAlgorithm.isEmpty()) {
                throw new ProtocolException(ErrorCode.MISSING_PARAMETER,
                        "EncryptionAlgorithm needs the EncryptionPublicKey to encrypt the Plaintext under");
            }
            return Fields.base64(plaintext.insecureBytes());
        }
        return Fields.base64(asymmetric.encryptForCaller(encryptionPublicKey, encryptionAlgorithm,
                plaintext.insecureBytes()));
    }

    /** What CreateKey offers: each KeyUsage with its key spec (Tencent's ListAlgorithms). */
    private static ListAlgorithmsResponse listAlgorithms() {
        List<AlgorithmInfo> symmetric = List.of(new AlgorithmInfo(KeyUsage.ENCRYPT_DECRYPT.name(), KeySpec.AES_256.name()),
                new AlgorithmInfo(KeyUsage.ENCRYPT_DECRYPT.name(), KeySpec.SM4.name()));
        List<AlgorithmInfo> decrypt = Arrays.stream(KeyUsage.values()).filter(KeyUsage::decryptsAsymmetrically)
                .map(usage -> new AlgorithmInfo(usage.name(), usage.keyPairSpec().name())).toList();
        List<AlgorithmInfo> sign = Arrays.stream(KeyUsage.values()).filter(KeyUsage::signs)
                .map(usage -> new AlgorithmInfo(usage.name(), usage.keyPairSpec().name())).toList();
        return new ListAlgorithmsResponse(symmetric, decrypt, sign);
    }
}
