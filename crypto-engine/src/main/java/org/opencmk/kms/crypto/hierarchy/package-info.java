/**
 * The key hierarchy as the rest of the KMS sees it ({@link
 * org.opencmk.kms.crypto.hierarchy.KeyHierarchy}): creating and destroying a CMK's key-encryption
 * key, generating and wrapping version material, and running encryption with unwrapped material
 * that never leaves this package, held in a bounded cache.
 *
 * <p>May depend on the JDK, Caffeine, {@code org.opencmk.kms.crypto}, {@code
 * org.opencmk.kms.crypto.keystore} and the {@code events} value types; no Spring, no Axon. Where
 * KEK references are stored is the server's choice, behind {@link
 * org.opencmk.kms.crypto.hierarchy.KekRepository}.
 */
package org.opencmk.kms.crypto.hierarchy;
