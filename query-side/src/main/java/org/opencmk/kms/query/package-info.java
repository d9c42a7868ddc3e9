/**
 * The read side. May depend on events, crypto-engine and Axon; never on the command side.
 */
package org.opencmk.kms.query;
