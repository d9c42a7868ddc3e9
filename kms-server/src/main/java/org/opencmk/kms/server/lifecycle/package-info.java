/**
 * Protocol-neutral application service for CMK management: turns a caller's request into a
 * command (writes) or a key-view read (queries). Knows nothing of the wire.
 */
package org.opencmk.kms.server.lifecycle;
