/**
 * The one place every API call passes once its outcome is known. Today it writes one safe log
 * line; the audit issue makes it write the durable audit record, and authorization will ask here.
 */
package org.opencmk.kms.server.audit;
