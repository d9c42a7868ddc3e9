package org.opencmk.kms.server.protocol;

import java.util.List;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.query.keyview.AliasRecord;
import org.opencmk.kms.query.keyview.Page;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.alias.AliasService;
import org.opencmk.kms.server.audit.AuditSubject;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Aliases (CTyun guide 3.2.4; Tencent has only one alias per key, set by CreateKey and renamed
 * by UpdateAlias): CreateAlias, DeleteAlias, ListAliases and ListAliasesByKeyId are extensions.
 */
@Component
class AliasActions implements ActionSet {

    record AliasRequest(String alias, String keyId) { }
    record DeleteAliasRequest(String alias) { }
    record ListAliasesRequest(Long offset, Long limit) { }
    record ListAliasesByKeyIdRequest(String keyId, Long offset, Long limit) { }

    record AliasResponse(String alias, String keyId, long createTime) implements AuditSubject.Carrier {
        @Override
        public AuditSubject auditSubject() {
            return AuditSubject.key(new KeyId(keyId));
        }
    }
    record ListAliasesResponse(List<AliasResponse> aliases, long totalCount) { }

    private final AliasService aliases;

    AliasActions(AliasService aliases) {
        this.aliases = aliases;
    }

    @Override
    public List<Action<?>> actions() {
        return List.of(
                Action.blocking("CreateAlias", AliasRequest.class, this::createAlias, AliasRequest::keyId),
                Action.blocking("UpdateAlias", AliasRequest.class, (c, r) -> Changed.ofKey(aliases.update(c.account(),
                        Fields.required(r.alias(), "Alias"), Fields.required(r.keyId(), "KeyId"))), AliasRequest::keyId),
                Action.blocking("DeleteAlias", DeleteAliasRequest.class, (c, r) -> Changed.ofKey(aliases.delete(c.account(),
                        Fields.required(r.alias(), "Alias"))), DeleteAliasRequest::alias),
                Action.blocking("ListAliases", ListAliasesRequest.class, (c, r) -> Mono.just(page(
                        aliases.list(c.account(), Paging.offset(r.offset()), Paging.limit(r.limit())))), r -> null),
                Action.blocking("ListAliasesByKeyId", ListAliasesByKeyIdRequest.class, (c, r) -> Mono.just(page(
                        aliases.listOfKey(c.account(), Fields.required(r.keyId(), "KeyId"), Paging.offset(r.offset()),
                                Paging.limit(r.limit())))), ListAliasesByKeyIdRequest::keyId));
    }

    private Mono<?> createAlias(Caller caller, AliasRequest r) {
        return Mono.fromFuture(aliases.create(caller.account(), Fields.required(r.alias(), "Alias"),
                Fields.required(r.keyId(), "KeyId"))).map(AliasActions::alias);
    }

    private static ListAliasesResponse page(Page<AliasRecord> page) {
        return new ListAliasesResponse(page.items().stream().map(AliasActions::alias).toList(), page.totalCount());
    }

    private static AliasResponse alias(AliasRecord a) {
        return new AliasResponse(a.alias().value(), a.keyId().value(), a.createdAt().getEpochSecond());
    }

}
