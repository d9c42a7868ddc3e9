/**
 * The symmetric primitives of the KMS, by intent: holding secret bytes ({@link
 * org.opencmk.kms.crypto.SecretBytes}), drawing randomness ({@link
 * org.opencmk.kms.crypto.RandomSource}), encrypting under one key version into the self-describing
 * {@link org.opencmk.kms.crypto.CiphertextBlob} (each message under a key of its own, derived from
 * the version's material and the message's nonce), and wrapping secrets for storage ({@link
 * org.opencmk.kms.crypto.SymmetricCipher}). {@link org.opencmk.kms.crypto.SymmetricAlgorithm} is
 * the one place that maps an algorithm to the JDK or BouncyCastle.
 *
 * <p>May depend on the JDK, BouncyCastle and the {@code events} value types; no Spring, no Axon.
 * AES runs on the JDK's provider (AES-NI intrinsics; BouncyCastle's GCM is 34 times slower on this
 * hardware, see NOTES.md), BouncyCastle only serves what the JDK lacks (SM4).
 */
package org.opencmk.kms.crypto;
