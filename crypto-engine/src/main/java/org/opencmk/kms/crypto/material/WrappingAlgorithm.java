package org.opencmk.kms.crypto.material;

import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;

/**
 * How the user encrypted key material under the wrapping public key, named as Tencent Cloud's
 * {@code GetParametersForImport} names it. Each constant says which openssl command produces it,
 * since that is how users are told to wrap their material.
 */
public enum WrappingAlgorithm {

    /**
     * RSAES-PKCS1-v1_5 (RFC 8017): {@code openssl pkeyutl -encrypt -pkeyopt
     * rsa_padding_mode:pkcs1}. Accepted because clients use it, although its padding check is
     * the classic Bleichenbacher oracle: prefer an OAEP algorithm.
     */
    RSAES_PKCS1_V1_5(PublicKeyEncryption.RSAES_PKCS1_V1_5),

    /**
     * RSAES-OAEP with SHA-1 and MGF1-SHA-1: {@code openssl pkeyutl -encrypt -pkeyopt
     * rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1}, or {@code openssl rsautl -encrypt -oaep}.
     */
    RSAES_OAEP_SHA_1(PublicKeyEncryption.RSAES_OAEP_SHA_1),

    /**
     * RSAES-OAEP with SHA-256 and MGF1-<em>SHA-256</em>: {@code openssl pkeyutl -encrypt -pkeyopt
     * rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256}, which sets both.
     */
    RSAES_OAEP_SHA_256(PublicKeyEncryption.RSAES_OAEP_SHA_256),

    /**
     * SM2 public key encryption (GB/T 32918.4) with SM3, ciphertext in C1C3C2 order: {@code openssl
     * pkeyutl -encrypt} with an SM2 key, which writes the GM/T 0009 DER form; the raw
     * {@code 04 || x || y || C3 || C2} form is accepted too.
     */
    SM2PKE(PublicKeyEncryption.SM2_C1C3C2_ASN1);

    private final PublicKeyEncryption scheme;

    WrappingAlgorithm(PublicKeyEncryption scheme) {
        this.scheme = scheme;
    }

    /** The public-key encryption the user wraps with (its decryption takes either SM2 form). */
    PublicKeyEncryption scheme() {
        return scheme;
    }

    /**
     * Whether this algorithm works with a wrapping key of that spec (RSA ones with
     * {@link WrappingKeySpec#RSA_2048}, {@link #SM2PKE} with {@link WrappingKeySpec#SM2}).
     */
    public boolean fits(WrappingKeySpec spec) {
        return spec != null && scheme.fits(spec.keySpec());
    }
}
