/** Protocol-neutral application service for aliases. */
package org.opencmk.kms.server.alias;
