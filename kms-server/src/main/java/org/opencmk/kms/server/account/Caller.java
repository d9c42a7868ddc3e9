package org.opencmk.kms.server.account;

import org.opencmk.kms.events.AccountId;

/**
 * Who an authenticated request comes from.
 *
 * @param admin whether the credential may manage accounts and credentials
 */
public record Caller(AccountId account, String secretId, boolean admin) {
}
