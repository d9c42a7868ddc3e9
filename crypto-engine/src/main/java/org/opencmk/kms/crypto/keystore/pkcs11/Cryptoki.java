package org.opencmk.kms.crypto.keystore.pkcs11;

import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_CLASS;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_ID;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_LABEL;
import static ru.rutoken.pkcs11jna.Pkcs11Constants.CKA_TOKEN;

import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Structure;
import com.sun.jna.ptr.NativeLongByReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import ru.rutoken.pkcs11jna.CK_ATTRIBUTE;
import ru.rutoken.pkcs11jna.CK_MECHANISM;
import ru.rutoken.pkcs11jna.Pkcs11;

/**
 * The Cryptoki calls this keystore makes, on one session handle each, with every return code
 * checked ({@link Pkcs11Error} otherwise). Stateless beyond the loaded library; the session is
 * the caller's, used by one thread at a time.
 */
final class Cryptoki {

    private final Pkcs11 library;

    Cryptoki(Pkcs11 library) {
        this.library = library;
    }

    Pkcs11 library() {
        return library;
    }

    static void check(String function, NativeLong rv) {
        long code = rv.longValue();
        if (code != 0) {
            throw new Pkcs11Error(function, code);
        }
    }

    /** An attribute template, laid out contiguously as Cryptoki reads it. */
    static final class Template {
        private final List<Object[]> entries = new ArrayList<>();

        Template with(long type, boolean value) {
            entries.add(new Object[] {type, value});
            return this;
        }

        Template with(long type, long value) {
            entries.add(new Object[] {type, new NativeLong(value)});
            return this;
        }

        Template with(long type, byte[] value) {
            entries.add(new Object[] {type, value});
            return this;
        }

        Template with(long type, String value) {
            return with(type, value.getBytes(StandardCharsets.UTF_8));
        }

        CK_ATTRIBUTE[] build() {
            CK_ATTRIBUTE[] array = (CK_ATTRIBUTE[]) new CK_ATTRIBUTE().toArray(Math.max(1, entries.size()));
            for (int i = 0; i < entries.size(); i++) {
                long type = (Long) entries.get(i)[0];
                Object value = entries.get(i)[1];
                if (value instanceof Boolean b) {
                    array[i].setAttr(type, b);
                } else if (value instanceof NativeLong n) {
                    array[i].setAttr(new NativeLong(type), n);
                } else {
                    array[i].setAttr(type, (byte[]) value);
                }
            }
            return array;
        }

        int size() {
            return entries.size();
        }
    }

    static CK_MECHANISM mechanism(long type, Structure parameter) {
        if (parameter == null) {
            return new CK_MECHANISM(type, null, 0);
        }
        parameter.write();
        return new CK_MECHANISM(type, parameter.getPointer(), parameter.size());
    }

    static CK_MECHANISM mechanism(long type) {
        return mechanism(type, null);
    }

    long generateKey(long session, CK_MECHANISM mechanism, Template template) {
        NativeLongByReference handle = new NativeLongByReference();
        check("C_GenerateKey", library.C_GenerateKey(new NativeLong(session), mechanism, template.build(),
                new NativeLong(template.size()), handle));
        return handle.getValue().longValue();
    }

    long[] generateKeyPair(long session, CK_MECHANISM mechanism, Template publicKey, Template privateKey) {
        NativeLongByReference publicHandle = new NativeLongByReference();
        NativeLongByReference privateHandle = new NativeLongByReference();
        check("C_GenerateKeyPair", library.C_GenerateKeyPair(new NativeLong(session), mechanism, publicKey.build(),
                new NativeLong(publicKey.size()), privateKey.build(), new NativeLong(privateKey.size()),
                publicHandle, privateHandle));
        return new long[] {publicHandle.getValue().longValue(), privateHandle.getValue().longValue()};
    }

    /** Creates an object; the template's secret values are zeroed in native memory afterwards. */
    long createObject(long session, Template template) {
        CK_ATTRIBUTE[] attributes = template.build();
        NativeLongByReference handle = new NativeLongByReference();
        try {
            check("C_CreateObject", library.C_CreateObject(new NativeLong(session), attributes,
                    new NativeLong(template.size()), handle));
        } finally {
            for (CK_ATTRIBUTE attribute : attributes) {
                if (attribute.pValue != null && attribute.ulValueLen.longValue() > 0) {
                    attribute.pValue.clear(attribute.ulValueLen.longValue());
                }
            }
        }
        return handle.getValue().longValue();
    }

    long deriveKey(long session, CK_MECHANISM mechanism, long baseKey, Template template) {
        NativeLongByReference handle = new NativeLongByReference();
        check("C_DeriveKey", library.C_DeriveKey(new NativeLong(session), mechanism, new NativeLong(baseKey),
                template.build(), new NativeLong(template.size()), handle));
        return handle.getValue().longValue();
    }

    void destroyObject(long session, long object) {
        check("C_DestroyObject", library.C_DestroyObject(new NativeLong(session), new NativeLong(object)));
    }

    /** Token objects matching {@code template}. */
    long[] findObjects(long session, Template template) {
        NativeLong s = new NativeLong(session);
        check("C_FindObjectsInit", library.C_FindObjectsInit(s, template.build(), new NativeLong(template.size())));
        List<Long> found = new ArrayList<>();
        try {
            NativeLong[] batch = new NativeLong[32];
            NativeLongByReference count = new NativeLongByReference();
            do {
                check("C_FindObjects", library.C_FindObjects(s, batch, new NativeLong(batch.length), count));
                for (int i = 0; i < count.getValue().intValue(); i++) {
                    found.add(batch[i].longValue());
                }
            } while (count.getValue().intValue() == batch.length);
        } finally {
            library.C_FindObjectsFinal(s);
        }
        return found.stream().mapToLong(Long::longValue).toArray();
    }

    long[] findByLabel(long session, long objectClass, String label) {
        return findObjects(session, new Template().with(CKA_TOKEN, true).with(CKA_CLASS, objectClass)
                .with(CKA_LABEL, label));
    }

    long[] findById(long session, byte[] id) {
        return findObjects(session, new Template().with(CKA_TOKEN, true).with(CKA_ID, id));
    }

    /** One attribute's value. */
    byte[] attribute(long session, long object, long type) {
        CK_ATTRIBUTE[] query = (CK_ATTRIBUTE[]) new CK_ATTRIBUTE().toArray(1);
        query[0].setAttr(new NativeLong(type), null, new NativeLong(0));
        check("C_GetAttributeValue", library.C_GetAttributeValue(new NativeLong(session), new NativeLong(object),
                query, new NativeLong(1)));
        int length = query[0].ulValueLen.intValue();
        Memory value = new Memory(Math.max(1, length));
        query[0].setAttr(new NativeLong(type), value, new NativeLong(length));
        check("C_GetAttributeValue", library.C_GetAttributeValue(new NativeLong(session), new NativeLong(object),
                query, new NativeLong(1)));
        return value.getByteArray(0, query[0].ulValueLen.intValue());
    }

    byte[] encrypt(long session, CK_MECHANISM mechanism, long key, byte[] data, int outputLength) {
        NativeLong s = new NativeLong(session);
        check("C_EncryptInit", library.C_EncryptInit(s, mechanism, new NativeLong(key)));
        byte[] out = new byte[outputLength];
        NativeLongByReference length = new NativeLongByReference(new NativeLong(outputLength));
        check("C_Encrypt", library.C_Encrypt(s, data, new NativeLong(data.length), out, length));
        return trim(out, length);
    }

    /**
     * Decrypts into a buffer of at least {@code data.length} bytes: SoftHSM2 asks for room for the
     * whole input (GCM's tag included) before it checks anything.
     */
    byte[] decrypt(long session, CK_MECHANISM mechanism, long key, byte[] data, int outputLength) {
        outputLength = Math.max(outputLength, data.length);
        NativeLong s = new NativeLong(session);
        check("C_DecryptInit", library.C_DecryptInit(s, mechanism, new NativeLong(key)));
        byte[] out = new byte[outputLength];
        NativeLongByReference length = new NativeLongByReference(new NativeLong(outputLength));
        check("C_Decrypt", library.C_Decrypt(s, data, new NativeLong(data.length), out, length));
        return trim(out, length);
    }

    byte[] sign(long session, CK_MECHANISM mechanism, long key, byte[] data, int outputLength) {
        NativeLong s = new NativeLong(session);
        check("C_SignInit", library.C_SignInit(s, mechanism, new NativeLong(key)));
        byte[] out = new byte[outputLength];
        NativeLongByReference length = new NativeLongByReference(new NativeLong(outputLength));
        check("C_Sign", library.C_Sign(s, data, new NativeLong(data.length), out, length));
        return trim(out, length);
    }

    private static byte[] trim(byte[] out, NativeLongByReference length) {
        int written = length.getValue().intValue();
        if (written == out.length) {
            return out;
        }
        byte[] result = Arrays.copyOf(out, written);
        Arrays.fill(out, (byte) 0);
        return result;
    }
}
