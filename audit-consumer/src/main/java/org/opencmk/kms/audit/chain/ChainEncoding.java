package org.opencmk.kms.audit.chain;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hash of a chain entry, the one definition the consumer and {@code verify} share:
 *
 * <pre>
 * hash = SHA-256( prevHash                     32 bytes; the first entry's is 32 zero bytes
 *               || str("opencmk-audit-chain-v1")
 *               || str(topic) || i32(partition) || i64(offset) || i64(seq)
 *               || str(kind)                   "audit" or "event"
 *               || optStr(id)                  recordId / eventId; absent for an unreadable record
 *               || bytes(value) )              the Kafka record's value, byte for byte
 *
 * i32, i64: big-endian two's complement
 * bytes(b): i32(length of b) || b
 * str(s):   bytes(UTF-8 of s)
 * optStr:   str(s), or i32(-1) when absent
 * </pre>
 *
 * Every variable-length field carries its length, so no two different entries encode alike. The
 * version string lets a later format coexist with this one.
 */
public final class ChainEncoding {

    public static final String FORMAT = "opencmk-audit-chain-v1";
    public static final int HASH_LENGTH = 32;

    private ChainEncoding() {
    }

    /** The previous hash of a chain's first entry. */
    public static byte[] genesis() {
        return new byte[HASH_LENGTH];
    }

    public static byte[] hash(byte[] prevHash, String topic, int partition, long offset, long seq, RecordKind kind,
            String id, byte[] value) {
        if (prevHash.length != HASH_LENGTH) {
            throw new IllegalArgumentException("a previous hash has " + HASH_LENGTH + " bytes, not " + prevHash.length);
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(value.length + 128);
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.write(prevHash);
            string(out, FORMAT);
            string(out, topic);
            out.writeInt(partition);
            out.writeLong(offset);
            out.writeLong(seq);
            string(out, kind.code());
            if (id == null) {
                out.writeInt(-1);
            } else {
                string(out, id);
            }
            bytes(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sha256().digest(buffer.toByteArray());
    }

    private static void string(DataOutputStream out, String text) throws IOException {
        bytes(out, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
