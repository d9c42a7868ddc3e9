package org.opencmk.kms.command.alias;

import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;

/** Delete an alias; its CMK is untouched (CTyun guide 3.2.4). */
public record DeleteAlias(AccountId account, AliasName alias) {
}
