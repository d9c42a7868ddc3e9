package org.opencmk.kms.events;

import org.axonframework.serialization.Revision;

/**
 * The scheduled deletion was withdrawn; the CMK returns to the state it had before
 * ({@code restoredState}), as CTyun guide 3.2.7 says: "密钥恢复可用状态".
 */
@Revision("1")
public record KeyDeletionCancelled(KeyId keyId, KeyState restoredState) {
}
