/** Wiring: the database (embedded or external), the keystore and key hierarchy, Axon. */
package org.opencmk.kms.server.config;
