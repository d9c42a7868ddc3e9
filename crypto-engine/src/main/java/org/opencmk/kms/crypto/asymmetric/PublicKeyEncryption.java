package org.opencmk.kms.crypto.asymmetric;

import org.opencmk.kms.events.KeySpec;

/**
 * Public-key encryption schemes, by Tencent Cloud's names: what AsymmetricRsaDecrypt and
 * AsymmetricSm2Decrypt open, and what Decrypt and GenerateDataKey use to return a plaintext under
 * a caller's {@code EncryptionPublicKey}. Each constant says which openssl command matches it.
 */
public enum PublicKeyEncryption {

    /**
     * RSAES-PKCS1-v1_5 (RFC 8017): {@code openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:pkcs1}.
     * Its padding check is the classic Bleichenbacher oracle: prefer OAEP.
     */
    RSAES_PKCS1_V1_5(KeySpec.RSA_2048),

    /**
     * RSAES-OAEP with SHA-1 and MGF1-SHA-1: {@code openssl pkeyutl -encrypt -pkeyopt
     * rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1}, or {@code openssl rsautl -encrypt -oaep}.
     */
    RSAES_OAEP_SHA_1(KeySpec.RSA_2048),

    /**
     * RSAES-OAEP with SHA-256 and MGF1-<em>SHA-256</em>: {@code openssl pkeyutl -encrypt -pkeyopt
     * rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256}, which sets both. (Java's
     * {@code OAEPWithSHA-256AndMGF1Padding} defaults MGF1 to SHA-1 and does not match it.)
     */
    RSAES_OAEP_SHA_256(KeySpec.RSA_2048),

    /**
     * SM2 public key encryption (GB/T 32918.4) with SM3, the ciphertext raw: {@code 04 || x || y ||
     * C3 || C2}. Decryption takes the DER form as well.
     */
    SM2(KeySpec.SM2),

    /**
     * The same SM2 encryption, the ciphertext in the GM/T 0009 DER form openssl writes and reads
     * ({@code openssl pkeyutl -encrypt} with an SM2 key): {@code SEQUENCE { INTEGER x, INTEGER y,
     * OCTET STRING C3, OCTET STRING C2 }}. Decryption takes the raw form as well.
     */
    SM2_C1C3C2_ASN1(KeySpec.SM2);

    private final KeySpec keySpec;

    PublicKeyEncryption(KeySpec keySpec) {
        this.keySpec = keySpec;
    }

    /** Whether this scheme works with a key pair of that spec. */
    public boolean fits(KeySpec spec) {
        return keySpec == spec;
    }
}
