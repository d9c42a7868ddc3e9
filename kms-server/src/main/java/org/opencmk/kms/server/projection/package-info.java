/**
 * Administrative work on the projections (issue 15, part 4): the key view rebuilt from the event
 * store while the service answers from the live one, compared with it and installed.
 */
package org.opencmk.kms.server.projection;
