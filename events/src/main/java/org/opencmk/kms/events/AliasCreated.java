package org.opencmk.kms.events;

import org.axonframework.serialization.Revision;

/** An alias of the account now names the CMK. */
@Revision("1")
public record AliasCreated(AccountId account, AliasName alias, KeyId keyId) {
}
