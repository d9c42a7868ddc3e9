/**
 * The PKCS#11 keystore ({@link org.opencmk.kms.crypto.keystore.pkcs11.Pkcs11Keystore}): the HSM
 * protection level, on any Cryptoki library (SoftHSM2 in tests and CI). Every key version is a
 * non-extractable token object; the KMS holds only references to them.
 *
 * <p>May depend on the JDK, pkcs11jna and JNA, BouncyCastle (DER encodings, OAEP unpadding),
 * {@code org.opencmk.kms.crypto} (the ciphertext blob through {@code DelegatedBlockCipherBlobs})
 * and the {@code events} value types; no Spring, no Axon, and not SunPKCS11.
 */
package org.opencmk.kms.crypto.keystore.pkcs11;
