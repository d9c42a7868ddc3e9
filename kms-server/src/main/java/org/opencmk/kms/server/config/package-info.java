/** Wiring: the database (embedded or external), the keystore and key hierarchy, Axon, HTTPS. */
package org.opencmk.kms.server.config;
