package org.opencmk.kms.events;

import org.axonframework.serialization.Revision;

/** The CMK refuses every cryptographic operation until it is enabled again. */
@Revision("1")
public record KeyDisabled(KeyId keyId) {
}
