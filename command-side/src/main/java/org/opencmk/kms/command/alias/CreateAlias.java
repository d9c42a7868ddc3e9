package org.opencmk.kms.command.alias;

import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyId;

public record CreateAlias(AccountId account, AliasName alias, KeyId keyId) {
}
