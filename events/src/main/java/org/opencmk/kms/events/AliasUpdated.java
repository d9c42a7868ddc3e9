package org.opencmk.kms.events;

import org.axonframework.serialization.Revision;

/** An existing alias was re-pointed from one CMK of the account to another. */
@Revision("1")
public record AliasUpdated(AccountId account, AliasName alias, KeyId previousKeyId, KeyId keyId) {
}
