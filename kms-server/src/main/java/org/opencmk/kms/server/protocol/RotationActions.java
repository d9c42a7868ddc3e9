package org.opencmk.kms.server.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.query.keyview.KeyRecord;
import org.opencmk.kms.query.keyview.KeyVersion;
import org.opencmk.kms.query.keyview.Rotation;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.audit.AuditSubject;
import org.opencmk.kms.server.rotation.KeyRotations;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Key versions and rotation: Tencent's RotateKey (answers a TaskId; the new KeyVersionId is an
 * extension), EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus (RotateDays,
 * NextRotateTime and LastRotateTime are extensions), and the extensions ListKeyVersions (CTyun 4.5)
 * and CreateKeyVersion (CTyun 1.3: an asymmetric key's new key pair, made by hand).
 */
@Component
class RotationActions implements ActionSet {

    record KeyIdRequest(String keyId) { }
    record EnableKeyRotationRequest(String keyId, Long rotateDays) { }
    record ListKeyVersionsRequest(String keyId, Long offset, Long limit) { }

    record RotateKeyResponse(String taskId, String keyId, String keyVersionId) implements AuditSubject.Carrier {
        @Override
        public AuditSubject auditSubject() {
            return AuditSubject.key(new KeyId(keyId), new org.opencmk.kms.events.KeyVersionId(keyVersionId));
        }
    }
    record CreateKeyVersionResponse(String keyId, String keyVersionId, @JsonIgnore AuditSubject auditSubject)
            implements AuditSubject.Carrier { }
    record RotationStatusResponse(boolean keyRotationEnabled, long rotateDays, long nextRotateTime, long lastRotateTime,
                                  @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }
    record KeyVersionInfo(String keyVersionId, long createTime, boolean isPrimary) { }
    record ListKeyVersionsResponse(String keyId, List<KeyVersionInfo> keyVersions, long totalCount,
                                   @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }

    private final KeyRotations rotations;

    RotationActions(KeyRotations rotations) {
        this.rotations = rotations;
    }

    @Override
    public List<Action<?>> actions() {
        return List.of(
                Action.blocking("RotateKey", KeyIdRequest.class, (c, r) -> Mono.fromFuture(
                        rotations.rotate(c.account(), Fields.required(r.keyId(), "KeyId"))).map(rotated ->
                        new RotateKeyResponse(UUID.randomUUID().toString(), rotated.keyId().value(),
                                rotated.versionId().value())), KeyIdRequest::keyId),
                Action.blocking("CreateKeyVersion", KeyIdRequest.class, (c, r) -> Mono.fromFuture(
                        rotations.createKeyVersion(c.account(), Fields.required(r.keyId(), "KeyId"))).map(created ->
                        new CreateKeyVersionResponse(created.keyId().value(), created.versionId().value(),
                                AuditSubject.key(created.keyId(), created.versionId()))), KeyIdRequest::keyId),
                Action.blocking("EnableKeyRotation", EnableKeyRotationRequest.class, this::enable,
                        EnableKeyRotationRequest::keyId),
                Action.blocking("DisableKeyRotation", KeyIdRequest.class, (c, r) -> Changed.ofKey(
                        rotations.disable(c.account(), Fields.required(r.keyId(), "KeyId"))), KeyIdRequest::keyId),
                Action.onEventLoop("GetKeyRotationStatus", KeyIdRequest.class, this::status, KeyIdRequest::keyId),
                Action.onEventLoop("ListKeyVersions", ListKeyVersionsRequest.class, this::versions,
                        ListKeyVersionsRequest::keyId));
    }

    private Mono<?> enable(Caller caller, EnableKeyRotationRequest r) {
        long days = r.rotateDays() == null ? KeyRotations.DEFAULT_ROTATE_DAYS : r.rotateDays();
        int rotateDays = days < Integer.MIN_VALUE || days > Integer.MAX_VALUE ? -1 : (int) days;
        return Changed.ofKey(rotations.enable(caller.account(), Fields.required(r.keyId(), "KeyId"), rotateDays));
    }

    private Mono<?> status(Caller caller, KeyIdRequest r) {
        KeyRecord key = rotations.status(caller.account(), Fields.required(r.keyId(), "KeyId"));
        Rotation rotation = key.rotation();
        return Mono.just(new RotationStatusResponse(rotation.enabled(), rotation.rotateDays(),
                seconds(rotation.nextRotateTime()), seconds(rotation.lastRotateTime()), AuditSubject.key(key.keyId())));
    }

    private Mono<?> versions(Caller caller, ListKeyVersionsRequest r) {
        String named = Fields.required(r.keyId(), "KeyId");
        KeyRecord key = rotations.status(caller.account(), named);
        var page = rotations.versions(caller.account(), named, Paging.offset(r.offset()), Paging.limit(r.limit()));
        List<KeyVersionInfo> items = page.items().stream().map(v -> info(key, v)).toList();
        return Mono.just(new ListKeyVersionsResponse(key.keyId().value(), items, page.totalCount(),
                AuditSubject.key(key.keyId())));
    }

    private static KeyVersionInfo info(KeyRecord key, KeyVersion version) {
        return new KeyVersionInfo(version.id().value(), version.createdAt().getEpochSecond(),
                version.id().equals(key.primaryVersion()));
    }

    /** Tencent answers 0 for "none". */
    static long seconds(Instant time) {
        return time == null ? 0 : time.getEpochSecond();
    }
}
