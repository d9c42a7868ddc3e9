package org.opencmk.kms.server.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Optional;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.server.account.Accounts;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.account.Credentials;
import org.opencmk.kms.server.account.IssuedCredential;
import org.opencmk.kms.server.audit.AuditSubject;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Accounts and credentials (an extension: Tencent manages them in CAM). Administrative
 * credentials only; every other caller is refused with {@code UnauthorizedOperation}. A disabled
 * or deleted credential is refused on every node within a second with
 * {@code AuthFailure.SecretIdNotFound}, as Tencent refuses one.
 */
@Component
class AccountActions implements ActionSet {

    record CreateAccountRequest(String name) { }
    record CreateCredentialRequest(Long accountId) { }
    record ListCredentialsRequest(Long accountId, Long offset, Long limit) { }
    record SecretIdRequest(String secretId) { }

    /** A credential as listed: never its SecretKey. */
    record CredentialSummary(String secretId, long accountId, String state, boolean admin, long createTime) { }
    record ListCredentialsResponse(List<CredentialSummary> credentials, long totalCount,
                                   @JsonIgnore AuditSubject auditSubject) implements AuditSubject.Carrier { }

    record CredentialResponse(long accountId, String secretId, String secretKey) implements AuditSubject.Carrier {
        @Override
        public AuditSubject auditSubject() {
            return AuditSubject.credential(accountId, secretId);
        }

        @Override
        public String toString() {
            return "CredentialResponse[accountId=" + accountId + ", secretId=" + secretId + ", secretKey=redacted]";
        }
    }

    private final Accounts accounts;

    AccountActions(Accounts accounts) {
        this.accounts = accounts;
    }

    @Override
    public List<Action<?>> actions() {
        return List.of(
                Action.blocking("CreateAccount", CreateAccountRequest.class, this::createAccount, r -> null),
                Action.blocking("CreateCredential", CreateCredentialRequest.class, this::createCredential, r -> null),
                Action.blocking("ListCredentials", ListCredentialsRequest.class, this::listCredentials, r -> null),
                Action.blocking("EnableCredential", SecretIdRequest.class, (c, r) -> Mono.fromCallable(() ->
                        changed(accounts.enableCredential(c, secretId(r)))), r -> null),
                Action.blocking("DisableCredential", SecretIdRequest.class, (c, r) -> Mono.fromCallable(() ->
                        changed(accounts.disableCredential(c, secretId(r)))), r -> null),
                Action.blocking("DeleteCredential", SecretIdRequest.class, (c, r) -> Mono.fromCallable(() ->
                        changed(accounts.deleteCredential(c, secretId(r)))), r -> null));
    }

    private Mono<?> createAccount(Caller caller, CreateAccountRequest r) {
        return Mono.fromCallable(() -> credential(accounts.createAccount(caller, Fields.required(r.name(), "Name"))));
    }

    private Mono<?> createCredential(Caller caller, CreateCredentialRequest r) {
        return Mono.fromCallable(() -> credential(accounts.createCredential(caller, accountId(r.accountId()))));
    }

    private Mono<?> listCredentials(Caller caller, ListCredentialsRequest r) {
        return Mono.fromCallable(() -> {
            AccountId account = accountId(r.accountId());
            Accounts.CredentialPage page = accounts.listCredentials(caller, account,
                    Paging.offset(r.offset()), Paging.limit(r.limit()));
            return new ListCredentialsResponse(page.credentials().stream().map(AccountActions::summary).toList(),
                    page.totalCount(), AuditSubject.account(account.value()));
        });
    }

    private static CredentialSummary summary(Credentials.Credential c) {
        return new CredentialSummary(c.secretId(), c.account().value(), c.state().wireName(), c.admin(),
                c.createdAt().getEpochSecond());
    }

    private static String secretId(SecretIdRequest r) {
        return Fields.required(r.secretId(), "SecretId");
    }

    /** The caller's SecretId is not echoed: it is caller-supplied text. */
    private static Changed changed(Optional<Credentials.Credential> credential) {
        Credentials.Credential c = credential.orElseThrow(() -> new ProtocolException(ErrorCode.RESOURCE_NOT_FOUND,
                "the credential does not exist"));
        return new Changed(AuditSubject.credential(c.account().value(), c.secretId()));
    }

    static AccountId accountId(Long value) {
        long id = Fields.required(value, "AccountId");
        if (id <= 0) {
            throw new ProtocolException(ErrorCode.INVALID_PARAMETER_VALUE, "AccountId must be positive");
        }
        return new AccountId(id);
    }

    private static CredentialResponse credential(IssuedCredential issued) {
        return new CredentialResponse(issued.account().value(), issued.secretId(), issued.secretKey());
    }
}
