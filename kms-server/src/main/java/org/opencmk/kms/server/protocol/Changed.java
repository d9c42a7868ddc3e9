package org.opencmk.kms.server.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.server.audit.AuditSubject;
import reactor.core.publisher.Mono;

/**
 * The answer of a change that has no fields but RequestId: what it changed goes only to the audit
 * record. Shared by every capability's actions.
 */
record Changed(@JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier {

    /** Once the change of one key is done; a null key id (one this node did not know) audits no key. */
    static Mono<Changed> ofKey(CompletableFuture<KeyId> change) {
        // Mapped inside the future: a null key id is still an answer, not an empty Mono.
        return Mono.fromFuture(change.thenApply(
                keyId -> new Changed(keyId == null ? AuditSubject.NONE : AuditSubject.key(keyId))));
    }

    /** Once the change of several keys is done; the audit record names them all. */
    static Mono<Changed> ofKeys(CompletableFuture<List<KeyId>> change) {
        return Mono.fromFuture(change.thenApply(keyIds -> new Changed(new AuditSubject(
                String.join(",", keyIds.stream().map(KeyId::value).toList()), null, null, null, null, null))));
    }
}
