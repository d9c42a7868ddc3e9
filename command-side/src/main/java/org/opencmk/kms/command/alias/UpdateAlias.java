package org.opencmk.kms.command.alias;

import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyId;

/**
 * Point the alias at the key: re-point it if it exists (CTyun), else rename the key's only alias
 * to it (Tencent). See {@link AliasRegistry#update}.
 */
public record UpdateAlias(AccountId account, AliasName alias, KeyId keyId) {
}
