package org.opencmk.kms.server.protocol;

import java.util.List;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.audit.AuditSubject;
import org.opencmk.kms.server.material.KeyMaterialImports;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Bring your own key (Tencent's import actions; seeds 000, 001, 002): GetParametersForImport,
 * ImportKeyMaterial, DeleteImportedKeyMaterial. The audit record names the key, never the
 * material or the token.
 */
@Component
class MaterialActions implements ActionSet {

    record GetParametersForImportRequest(String keyId, String wrappingAlgorithm, String wrappingKeySpec) { }
    record ImportKeyMaterialRequest(String keyId, String encryptedKeyMaterial, String importToken, Long validTo) {
        @Override
        public String toString() {
            return "ImportKeyMaterialRequest[" + keyId + ", material and token redacted]";
        }
    }
    record KeyIdRequest(String keyId) { }

    record GetParametersForImportResponse(String keyId, String importToken, String publicKey, long parametersValidTo)
            implements AuditSubject.Carrier {
        @Override
        public AuditSubject auditSubject() {
            return AuditSubject.key(new KeyId(keyId));
        }

        @Override
        public String toString() {
            return "GetParametersForImportResponse[" + keyId + ", token redacted]";
        }
    }

    private final KeyMaterialImports imports;

    MaterialActions(KeyMaterialImports imports) {
        this.imports = imports;
    }

    @Override
    public List<Action<?>> actions() {
        return List.of(
                Action.blocking("GetParametersForImport", GetParametersForImportRequest.class, this::parameters,
                        GetParametersForImportRequest::keyId),
                Action.blocking("ImportKeyMaterial", ImportKeyMaterialRequest.class, this::importMaterial,
                        ImportKeyMaterialRequest::keyId),
                Action.blocking("DeleteImportedKeyMaterial", KeyIdRequest.class, (c, r) -> Changed.ofKey(
                        imports.deleteImportedKeyMaterial(c.account(), Fields.required(r.keyId(), "KeyId"))),
                        KeyIdRequest::keyId));
    }

    private Mono<?> parameters(Caller caller, GetParametersForImportRequest r) {
        KeyMaterialImports.ImportParameters issued = imports.parametersForImport(caller.account(),
                Fields.required(r.keyId(), "KeyId"), Fields.required(r.wrappingAlgorithm(), "WrappingAlgorithm"),
                Fields.required(r.wrappingKeySpec(), "WrappingKeySpec"));
        return Mono.just(new GetParametersForImportResponse(issued.keyId().value(), issued.importToken(),
                Fields.base64(issued.publicKey()), issued.parametersValidTo().getEpochSecond()));
    }

    private Mono<?> importMaterial(Caller caller, ImportKeyMaterialRequest r) {
        String keyId = Fields.required(r.keyId(), "KeyId");
        byte[] encrypted = Fields.base64(r.encryptedKeyMaterial(), "EncryptedKeyMaterial", ErrorCode.DECRYPT_MATERIAL_ERROR);
        String token = Fields.required(r.importToken(), "ImportToken");
        if (r.validTo() != null && r.validTo() < 0) {
            throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE,
                    "ValidTo must be a future Unix time in seconds, or 0 for never");
        }
        return Changed.ofKey(imports.importKeyMaterial(caller.account(), keyId, encrypted, token, r.validTo()));
    }
}
