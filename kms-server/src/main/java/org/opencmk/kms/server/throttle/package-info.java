/** Per-account request rate limits: over the limit, a request is refused at once. */
package org.opencmk.kms.server.throttle;
