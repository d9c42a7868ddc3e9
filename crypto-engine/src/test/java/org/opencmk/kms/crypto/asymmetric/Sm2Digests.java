package org.opencmk.kms.crypto.asymmetric;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.util.BigIntegers;

/**
 * What a caller computes to sign an SM2DSA {@link MessageType#DIGEST} (GB/T 32918.2, 6.1, steps 1
 * and 2), written out here from the standard rather than taken from the code under test:
 * {@code Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)} with the default ID
 * {@code 1234567812345678}, then {@code e = SM3(Z || M)}.
 */
final class Sm2Digests {

    static final byte[] DEFAULT_ID = "1234567812345678".getBytes(StandardCharsets.US_ASCII);
    private static final int FIELD_LENGTH = 32;

    private Sm2Digests() {
    }

    /** e = SM3(Z || M) for the signer whose DER public key is {@code publicKeyDer}. */
    static byte[] e(byte[] publicKeyDer, byte[] message) {
        SM3Digest sm3 = new SM3Digest();
        byte[] z = z(publicKeyDer);
        sm3.update(z, 0, z.length);
        sm3.update(message, 0, message.length);
        byte[] e = new byte[sm3.getDigestSize()];
        sm3.doFinal(e, 0);
        return e;
    }

    static byte[] z(byte[] publicKeyDer) {
        ECPublicKeyParameters key;
        try {
            key = (ECPublicKeyParameters) PublicKeyFactory.createKey(publicKeyDer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ECDomainParameters curve = key.getParameters();
        SM3Digest sm3 = new SM3Digest();
        int entl = DEFAULT_ID.length * 8;
        sm3.update((byte) (entl >>> 8));
        sm3.update((byte) entl);
        sm3.update(DEFAULT_ID, 0, DEFAULT_ID.length);
        for (BigInteger value : new BigInteger[] {
                curve.getCurve().getA().toBigInteger(), curve.getCurve().getB().toBigInteger(),
                curve.getG().getAffineXCoord().toBigInteger(), curve.getG().getAffineYCoord().toBigInteger(),
                key.getQ().getAffineXCoord().toBigInteger(), key.getQ().getAffineYCoord().toBigInteger()}) {
            byte[] bytes = BigIntegers.asUnsignedByteArray(FIELD_LENGTH, value);
            sm3.update(bytes, 0, bytes.length);
        }
        byte[] z = new byte[sm3.getDigestSize()];
        sm3.doFinal(z, 0);
        return z;
    }
}
