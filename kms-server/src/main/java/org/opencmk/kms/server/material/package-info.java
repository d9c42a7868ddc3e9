/**
 * Bring your own key (seeds 000, 001, 002): import parameters (a fresh wrapping key pair and
 * ImportToken per call, 24 hours), unwrapping the material the user wrapped, and the import,
 * deletion and expiry of an EXTERNAL CMK's material through the CMK aggregate. Blocking: every
 * call here runs on the bounded scheduler.
 */
package org.opencmk.kms.server.material;
