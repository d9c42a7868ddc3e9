/**
 * Bringing your own key material ("BYOK", DESIGN.md): the wrapping key pair whose public half a
 * user encrypts key material with on their side (openssl, an HSM, an SDK), and the unwrapping of
 * what they send back. {@link org.opencmk.kms.crypto.material.ImportWrapping} is the one place
 * that maps a {@link org.opencmk.kms.crypto.material.WrappingAlgorithm} to the JDK or
 * BouncyCastle.
 *
 * <p>Stateless: the caller stores the private key (in {@link org.opencmk.kms.crypto.SecretBytes},
 * wrapped by the keystore while it waits for the import) and wraps the unwrapped material under
 * the CMK's key-encryption key at once. May depend on the JDK, BouncyCastle and {@code
 * org.opencmk.kms.crypto}; no Spring, no Axon.
 */
package org.opencmk.kms.crypto.material;
