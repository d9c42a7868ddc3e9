/**
 * The cryptographic path (Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateRandom). It never
 * loads an aggregate nor writes an event: it reads the key view, unwraps material through the
 * key hierarchy's bounded cache, and runs the crypto engine.
 */
package org.opencmk.kms.server.usage;
