/**
 * Where the root of the key hierarchy lives, behind one seam: {@link
 * org.opencmk.kms.crypto.keystore.Keystore}. The software keystore holds a root key from a file
 * or an environment secret; the PKCS#11 keystore (package {@code pkcs11}) keeps the root,
 * key-encryption keys and every version inside a token (DESIGN.md "Key hierarchy"). Key material is reached only through this interface
 * (ROADMAP).
 *
 * <p>May depend on the JDK, {@code org.opencmk.kms.crypto} and the {@code events} value types;
 * no Spring, no Axon, no caching (that is the key hierarchy's job, one package up in the call
 * chain).
 */
package org.opencmk.kms.crypto.keystore;
