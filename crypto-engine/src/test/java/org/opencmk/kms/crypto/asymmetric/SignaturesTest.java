package org.opencmk.kms.crypto.asymmetric;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.KeySpec;

class SignaturesTest {

    private static final byte[] MESSAGE = "sign me".getBytes(StandardCharsets.UTF_8);

    /**
     * SM2DSA on a DIGEST signs e = SM3(Z || M) as a RAW signature signs M: each verifies as the
     * other. (BouncyCastle's SM2Signer computes Z with the digest it is given, which once made
     * every DIGEST signature fail.)
     */
    @Test
    void anSm2DigestSignatureIsTheMessagesSignature() throws Exception {
        try (EncodedKeyPair pair = KeyPairs.generate(KeySpec.SM2)) {
            AsymmetricPrivateKey privateKey = AsymmetricPrivateKey.parse(KeySpec.SM2, pair.privateKey());
            AsymmetricPublicKey publicKey = AsymmetricPublicKey.fromDer(pair.publicKey());
            byte[] e = sm3(z(pair.publicKey()), MESSAGE);

            byte[] ofDigest = Signatures.sign(privateKey, SignatureAlgorithm.SM2DSA, MessageType.DIGEST, e);
            byte[] ofMessage = Signatures.sign(privateKey, SignatureAlgorithm.SM2DSA, MessageType.RAW, MESSAGE);

            assertThat(Signatures.verify(publicKey, SignatureAlgorithm.SM2DSA, MessageType.RAW, MESSAGE, ofDigest)).isTrue();
            assertThat(Signatures.verify(publicKey, SignatureAlgorithm.SM2DSA, MessageType.DIGEST, e, ofDigest)).isTrue();
            assertThat(Signatures.verify(publicKey, SignatureAlgorithm.SM2DSA, MessageType.DIGEST, e, ofMessage)).isTrue();
            e[0] ^= 1;
            assertThat(Signatures.verify(publicKey, SignatureAlgorithm.SM2DSA, MessageType.DIGEST, e, ofMessage)).isFalse();
        }
    }

    /** Z of GB/T 32918.2 with the default ID, computed here from the public key alone. */
    private static byte[] z(byte[] publicKeyDer) throws Exception {
        ECPublicKeyParameters key = (ECPublicKeyParameters) PublicKeyFactory.createKey(publicKeyDer);
        ECDomainParameters domain = key.getParameters();
        ECPoint g = domain.getG().normalize();
        ECPoint q = key.getQ().normalize();
        byte[] id = "1234567812345678".getBytes(StandardCharsets.US_ASCII);
        SM3Digest digest = new SM3Digest();
        digest.update((byte) 0);
        digest.update((byte) (id.length * 8));
        digest.update(id, 0, id.length);
        for (BigInteger element : new BigInteger[] {domain.getCurve().getA().toBigInteger(),
                domain.getCurve().getB().toBigInteger(), g.getAffineXCoord().toBigInteger(),
                g.getAffineYCoord().toBigInteger(), q.getAffineXCoord().toBigInteger(),
                q.getAffineYCoord().toBigInteger()}) {
            byte[] bytes = BigIntegers.asUnsignedByteArray(32, element);
            digest.update(bytes, 0, bytes.length);
        }
        byte[] z = new byte[32];
        digest.doFinal(z, 0);
        return z;
    }

    private static byte[] sm3(byte[] first, byte[] second) {
        SM3Digest digest = new SM3Digest();
        digest.update(first, 0, first.length);
        digest.update(second, 0, second.length);
        byte[] out = new byte[32];
        digest.doFinal(out, 0);
        return out;
    }
}
