/**
 * The published language of the KMS: the events every CMK and alias emits and the value types
 * they carry. Audit consumers and other systems depend on this package alone.
 *
 * <p>May depend on the JDK only ({@code @Revision} is compile-time metadata for the event store's
 * serializer and is ignored where Axon is absent). Every event carries a {@code @Revision} from
 * its first release; a changed shape gets a new revision and an upcaster, never an edit in place.
 * Enum constant names are persisted: renaming one breaks every stored event (pinned by tests).
 */
package org.opencmk.kms.events;
