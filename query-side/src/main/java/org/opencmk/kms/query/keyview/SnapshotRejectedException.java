package org.opencmk.kms.query.keyview;

/**
 * A key view snapshot that is not restored: written in another layout, cut short or altered. The
 * view is then rebuilt from the event store instead; the message says why, never what the
 * snapshot holds.
 */
public class SnapshotRejectedException extends Exception {

    public SnapshotRejectedException(String message) {
        super(message);
    }

    public SnapshotRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
