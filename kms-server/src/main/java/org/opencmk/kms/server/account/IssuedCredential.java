package org.opencmk.kms.server.account;

import org.opencmk.kms.events.AccountId;

/**
 * A credential just created, the only time its SecretKey is ever shown. Its {@code toString}
 * hides the SecretKey.
 */
public record IssuedCredential(AccountId account, String secretId, String secretKey) {
    @Override
    public String toString() {
        return "IssuedCredential[account=" + account + ", secretId=" + secretId + ", secretKey=redacted]";
    }
}
