package org.opencmk.kms.crypto.keystore.pkcs11;

import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import java.util.List;

/**
 * The mechanism parameter structures pkcs11jna lacks, as PKCS#11 2.40 lays them out (CK_ULONG is
 * {@link NativeLong}). Each holds its native buffers, so it must stay reachable until the
 * operation's init call returns.
 */
final class MechanismParameters {

    private MechanismParameters() {
    }

    /** {@code CK_GCM_PARAMS} with {@code ulIvBits}, the layout SoftHSM2 2.6 expects. */
    @Structure.FieldOrder({"pIv", "ulIvLen", "ulIvBits", "pAAD", "ulAADLen", "ulTagBits"})
    public static final class GcmParams extends Structure {
        public Pointer pIv;
        public NativeLong ulIvLen;
        public NativeLong ulIvBits;
        public Pointer pAAD;
        public NativeLong ulAADLen;
        public NativeLong ulTagBits;

        GcmParams(byte[] iv, byte[] aad, int tagBits) {
            pIv = memory(iv);
            ulIvLen = new NativeLong(iv.length);
            ulIvBits = new NativeLong(iv.length * 8L);
            pAAD = memory(aad);
            ulAADLen = new NativeLong(aad.length);
            ulTagBits = new NativeLong(tagBits);
            write();
        }
    }

    /** {@code CK_RSA_PKCS_PSS_PARAMS}. */
    @Structure.FieldOrder({"hashAlg", "mgf", "sLen"})
    public static final class PssParams extends Structure {
        public NativeLong hashAlg;
        public NativeLong mgf;
        public NativeLong sLen;

        PssParams(long hashAlg, long mgf, int saltLength) {
            this.hashAlg = new NativeLong(hashAlg);
            this.mgf = new NativeLong(mgf);
            this.sLen = new NativeLong(saltLength);
            write();
        }
    }

    /** {@code CK_RSA_PKCS_OAEP_PARAMS}, without a label (what every scheme here uses). */
    @Structure.FieldOrder({"hashAlg", "mgf", "source", "pSourceData", "ulSourceDataLen"})
    public static final class OaepParams extends Structure {
        public NativeLong hashAlg;
        public NativeLong mgf;
        public NativeLong source;
        public Pointer pSourceData;
        public NativeLong ulSourceDataLen;

        OaepParams(long hashAlg, long mgf, long source) {
            this.hashAlg = new NativeLong(hashAlg);
            this.mgf = new NativeLong(mgf);
            this.source = new NativeLong(source);
            this.pSourceData = null;
            this.ulSourceDataLen = new NativeLong(0);
            write();
        }
    }

    /** {@code CK_KEY_DERIVATION_STRING_DATA}, the parameter of {@code CKM_AES_ECB_ENCRYPT_DATA}. */
    @Structure.FieldOrder({"pData", "ulLen"})
    public static final class DerivationStringData extends Structure {
        public Pointer pData;
        public NativeLong ulLen;

        DerivationStringData(Memory data, int length) {
            this.pData = data;
            this.ulLen = new NativeLong(length);
            write();
        }
    }

    /** A native copy of {@code bytes}, or null for none (JNA has no zero-length Memory). */
    static Memory memory(byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        Memory memory = new Memory(bytes.length);
        memory.write(0, bytes, 0, bytes.length);
        return memory;
    }
}
