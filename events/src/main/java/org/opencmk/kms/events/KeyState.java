package org.opencmk.kms.events;

/**
 * Lifecycle state of a CMK, spelled as Tencent's {@code KeyState}. A deleted CMK has no state: it
 * is gone. Constant names are persisted in events.
 */
public enum KeyState {
    Enabled,
    Disabled,
    PendingDelete,
    PendingImport
}
