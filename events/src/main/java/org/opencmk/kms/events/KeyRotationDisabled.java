package org.opencmk.kms.events;

import org.axonframework.serialization.Revision;

/** The CMK no longer rotates on a schedule; its versions stay, and it can still be rotated on demand. */
@Revision("1")
public record KeyRotationDisabled(KeyId keyId) {
}
