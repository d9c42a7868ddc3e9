/**
 * The Tencent Cloud API 3.0 adapter (KMS version 2019-01-18): request signing (TC3-HMAC-SHA256),
 * the JSON envelope, action names and field names, and the one mapping from the domain's
 * {@link org.opencmk.kms.events.KmsError} to Tencent's error codes. Nothing outside this package
 * knows the wire; a second protocol would sit beside it and call the same services.
 */
package org.opencmk.kms.server.protocol;
