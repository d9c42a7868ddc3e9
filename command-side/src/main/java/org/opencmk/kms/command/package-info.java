/**
 * The write side: CMK and alias aggregates, the commands they take, the handlers that need more
 * than one aggregate or the key hierarchy, and the sagas that own lifecycle deadlines.
 *
 * <p>May depend on events, crypto-engine and Axon; never on the query side. Key material is
 * generated here, through {@link org.opencmk.kms.crypto.hierarchy.KeyHierarchy}, and only its wrapped form
 * enters an event.
 */
package org.opencmk.kms.command;
