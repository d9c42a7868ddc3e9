package org.opencmk.kms.crypto.asymmetric;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.util.BigIntegers;

/**
 * The two forms of an SM2 ciphertext, converted in the tests independently of the code under
 * test: raw {@code 04 || x || y || C3 || C2} and GM/T 0009 DER {@code SEQUENCE { INTEGER x,
 * INTEGER y, OCTET STRING C3, OCTET STRING C2 }}.
 */
final class Sm2Ciphertexts {

    private static final int COORDINATE = 32;
    private static final int HASH = 32;

    private Sm2Ciphertexts() {
    }

    static byte[] derToRaw(byte[] der) {
        ASN1Sequence sequence = ASN1Sequence.getInstance(der);
        byte[] c3 = ASN1OctetString.getInstance(sequence.getObjectAt(2)).getOctets();
        byte[] c2 = ASN1OctetString.getInstance(sequence.getObjectAt(3)).getOctets();
        byte[] raw = new byte[1 + 2 * COORDINATE + HASH + c2.length];
        raw[0] = 0x04;
        BigIntegers.asUnsignedByteArray(ASN1Integer.getInstance(sequence.getObjectAt(0)).getValue(), raw, 1, COORDINATE);
        BigIntegers.asUnsignedByteArray(ASN1Integer.getInstance(sequence.getObjectAt(1)).getValue(), raw,
                1 + COORDINATE, COORDINATE);
        System.arraycopy(c3, 0, raw, 1 + 2 * COORDINATE, HASH);
        System.arraycopy(c2, 0, raw, 1 + 2 * COORDINATE + HASH, c2.length);
        return raw;
    }

    static byte[] rawToDer(byte[] raw) {
        return der(new ASN1Integer(new BigInteger(1, x(raw))),
                new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 1 + COORDINATE, 1 + 2 * COORDINATE))), raw);
    }

    /**
     * The DER form as a careless encoder writes it: x's 32 bytes as the INTEGER's content as they
     * are, without the leading zero a high first bit needs (so that DER reads a negative number).
     */
    static byte[] rawToDerWithoutLeadingZero(byte[] raw) {
        return der(new ASN1Integer(x(raw)),
                new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(raw, 1 + COORDINATE, 1 + 2 * COORDINATE))), raw);
    }

    /** x, the first coordinate of C1, 32 bytes. */
    static byte[] x(byte[] raw) {
        return Arrays.copyOfRange(raw, 1, 1 + COORDINATE);
    }

    private static byte[] der(ASN1Integer x, ASN1Integer y, byte[] raw) {
        ASN1EncodableVector fields = new ASN1EncodableVector(4);
        fields.add(x);
        fields.add(y);
        fields.add(new DEROctetString(Arrays.copyOfRange(raw, 1 + 2 * COORDINATE, 1 + 2 * COORDINATE + HASH)));
        fields.add(new DEROctetString(Arrays.copyOfRange(raw, 1 + 2 * COORDINATE + HASH, raw.length)));
        try {
            return new DERSequence(fields).getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
