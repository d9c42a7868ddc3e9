package org.opencmk.kms.server.protocol;

import java.util.List;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.server.account.Accounts;
import org.opencmk.kms.server.account.Caller;
import org.opencmk.kms.server.account.IssuedCredential;
import org.opencmk.kms.server.audit.AuditSubject;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Accounts and credentials (an extension: Tencent manages them in CAM). Administrative
 * credentials only; every other caller is refused with {@code UnauthorizedOperation}.
 */
@Component
class AccountActions implements ActionSet {

    record CreateAccountRequest(String name) { }
    record CreateCredentialRequest(Long accountId) { }

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
                Action.blocking("CreateCredential", CreateCredentialRequest.class, this::createCredential, r -> null));
    }

    private Mono<?> createAccount(Caller caller, CreateAccountRequest r) {
        return Mono.fromCallable(() -> credential(accounts.createAccount(caller, Fields.required(r.name(), "Name"))));
    }

    private Mono<?> createCredential(Caller caller, CreateCredentialRequest r) {
        return Mono.fromCallable(() -> credential(accounts.createCredential(caller, accountId(r.accountId()))));
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
