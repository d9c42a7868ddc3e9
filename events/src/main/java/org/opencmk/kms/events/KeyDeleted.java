package org.opencmk.kms.events;

import java.time.Instant;
import org.axonframework.serialization.Revision;

/**
 * The pending window ended and the CMK is gone for good: its key-encryption key was destroyed,
 * so the wrapped material left in earlier events can never be read again. Every later call that
 * names the key is answered as if it never existed.
 */
@Revision("1")
public record KeyDeleted(KeyId keyId, Instant deletedAt) {
}
