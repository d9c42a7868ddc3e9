package org.opencmk.kms.events;

import org.axonframework.serialization.Revision;

/**
 * The alias no longer exists. Deleting an alias never touches its CMK; deleting a CMK deletes
 * its aliases ({@code withKey} is then true).
 */
@Revision("1")
public record AliasDeleted(AccountId account, AliasName alias, KeyId keyId, boolean withKey) {
}
