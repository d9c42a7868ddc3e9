package org.opencmk.kms.events;

import org.axonframework.serialization.Revision;

/** The CMK may be used again for cryptographic operations. */
@Revision("1")
public record KeyEnabled(KeyId keyId) {
}
