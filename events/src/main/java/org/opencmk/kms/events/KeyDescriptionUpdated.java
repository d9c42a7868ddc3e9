package org.opencmk.kms.events;

import org.axonframework.serialization.Revision;

/** The CMK's description was replaced. */
@Revision("1")
public record KeyDescriptionUpdated(KeyId keyId, String description) {
}
