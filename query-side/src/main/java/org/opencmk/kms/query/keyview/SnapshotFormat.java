package org.opencmk.kms.query.keyview;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.AliasName;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyUsage;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.PublicKeyDer;
import org.opencmk.kms.events.WrappedKeyMaterial;

/**
 * The binary layout of a key view snapshot, written and read field by field with
 * {@link DataOutputStream}: compact, and read without reflection at a few hundred thousand keys a
 * second.
 *
 * <p>Its name, {@link #LAYOUT}, is the layout number followed by a digest of the shapes it
 * stores: the components of {@link KeyRecord}, {@link KeyVersion}, {@link Rotation} and
 * {@link AliasRecord} and the constants of the enums among them. A snapshot whose layout is not
 * this one is rebuilt from events, never read: a field added to a record without a new layout
 * number changes the name all the same.
 *
 * <pre>
 * snapshot := "opencmk-key-view" layout key* 0 account-aliases* 0 key-count alias-count "end"
 * key      := 1 KeyRecord          account-aliases := 1 account registry next-sequence count alias*
 * </pre>
 */
final class SnapshotFormat {

    static final String MAGIC = "opencmk-key-view";
    /** The layout number: raised whenever what is written changes. */
    private static final int NUMBER = 1;
    static final String LAYOUT = NUMBER + "-" + shapeDigest();
    private static final byte MORE = 1;
    private static final byte DONE = 0;
    private static final String END = "end";

    private SnapshotFormat() {
    }

    static void writeHeader(DataOutputStream out) throws IOException {
        out.writeUTF(MAGIC);
        out.writeUTF(LAYOUT);
    }

    static void readHeader(DataInputStream in) throws IOException, SnapshotRejectedException {
        String magic = in.readUTF();
        if (!MAGIC.equals(magic)) {
            throw new SnapshotRejectedException("not a key view snapshot");
        }
        String layout = in.readUTF();
        if (!LAYOUT.equals(layout)) {
            throw new SnapshotRejectedException("written in layout " + layout + ", this release reads " + LAYOUT);
        }
    }

    static void writeMore(DataOutputStream out) throws IOException {
        out.writeByte(MORE);
    }

    static void writeDone(DataOutputStream out) throws IOException {
        out.writeByte(DONE);
    }

    /** True before one more entry, false after the last. */
    static boolean readMore(DataInputStream in) throws IOException, SnapshotRejectedException {
        byte tag = in.readByte();
        if (tag != MORE && tag != DONE) {
            throw new SnapshotRejectedException("an entry tag " + tag + " where 0 or 1 belongs");
        }
        return tag == MORE;
    }

    static void writeTrailer(DataOutputStream out, long keys, long aliases) throws IOException {
        out.writeLong(keys);
        out.writeLong(aliases);
        out.writeUTF(END);
    }

    static void readTrailer(DataInputStream in, long keys, long aliases) throws IOException, SnapshotRejectedException {
        long writtenKeys = in.readLong();
        long writtenAliases = in.readLong();
        if (writtenKeys != keys || writtenAliases != aliases || !END.equals(in.readUTF())) {
            throw new SnapshotRejectedException("its counts disagree with its content");
        }
        if (in.read() != -1) {
            throw new SnapshotRejectedException("bytes follow its end");
        }
    }

    static void writeKey(DataOutputStream out, KeyRecord key) throws IOException {
        out.writeUTF(key.keyId().value());
        out.writeLong(key.account().value());
        writeEnum(out, key.keySpec());
        writeEnum(out, key.keyUsage());
        writeEnum(out, key.origin());
        writeEnum(out, key.protectionLevel());
        writeString(out, key.description());
        writeEnum(out, key.state());
        writeInstant(out, key.createdAt());
        writeInstant(out, key.deletionDate());
        out.writeInt(key.versions().size());
        for (KeyVersion version : key.versions()) {
            out.writeUTF(version.id().value());
            writeBytes(out, version.material() == null ? null : version.material().bytes());
            writeInstant(out, version.createdAt());
            writeBytes(out, version.publicKey() == null ? null : version.publicKey().der());
        }
        writeString(out, key.primaryVersion() == null ? null : key.primaryVersion().value());
        writeInstant(out, key.validTo());
        Rotation rotation = key.rotation();
        out.writeBoolean(rotation.enabled());
        out.writeInt(rotation.rotateDays());
        writeInstant(out, rotation.nextRotateTime());
        writeInstant(out, rotation.lastRotateTime());
        out.writeBoolean(key.deleted());
        out.writeLong(key.sequence());
    }

    static KeyRecord readKey(DataInputStream in) throws IOException {
        KeyId keyId = new KeyId(in.readUTF());
        AccountId account = new AccountId(in.readLong());
        KeySpec keySpec = readEnum(in, KeySpec::valueOf);
        KeyUsage keyUsage = readEnum(in, KeyUsage::valueOf);
        Origin origin = readEnum(in, Origin::valueOf);
        ProtectionLevel protectionLevel = readEnum(in, ProtectionLevel::valueOf);
        String description = readString(in);
        KeyState state = readEnum(in, KeyState::valueOf);
        Instant createdAt = readInstant(in);
        Instant deletionDate = readInstant(in);
        int versionCount = in.readInt();
        if (versionCount < 0) {
            throw new IOException("a negative number of versions");
        }
        List<KeyVersion> versions = new ArrayList<>(Math.min(versionCount, 16));
        for (int i = 0; i < versionCount; i++) {
            KeyVersionId id = new KeyVersionId(in.readUTF());
            byte[] material = readBytes(in);
            Instant versionCreatedAt = readInstant(in);
            if (createdAt != null && createdAt.equals(versionCreatedAt)) {
                versionCreatedAt = createdAt; // one instance, as the view holds them
            }
            byte[] publicKey = readBytes(in);
            versions.add(new KeyVersion(id, material == null ? null : new WrappedKeyMaterial(material), versionCreatedAt,
                    publicKey == null ? null : new PublicKeyDer(publicKey)));
        }
        String primary = readString(in);
        Instant validTo = readInstant(in);
        Rotation rotation = new Rotation(in.readBoolean(), in.readInt(), readInstant(in), readInstant(in));
        boolean deleted = in.readBoolean();
        long sequence = in.readLong();
        return new KeyRecord(keyId, account, keySpec, keyUsage, origin, protectionLevel, description, state, createdAt,
                deletionDate, versions, primary == null ? null : new KeyVersionId(primary), validTo, rotation, deleted,
                sequence);
    }

    static void writeAlias(DataOutputStream out, AliasRecord alias) throws IOException {
        out.writeUTF(alias.alias().value());
        out.writeUTF(alias.keyId().value());
        writeInstant(out, alias.createdAt());
        out.writeLong(alias.order());
    }

    static AliasRecord readAlias(DataInputStream in) throws IOException {
        return new AliasRecord(new AliasName(in.readUTF()), new KeyId(in.readUTF()), readInstant(in), in.readLong());
    }

    static void writeString(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            out.writeInt(utf8.length);
            out.write(utf8);
        }
    }

    static String readString(DataInputStream in) throws IOException {
        byte[] utf8 = in.readBoolean() ? readLengthAndBytes(in) : null;
        return utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
    }

    private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeInt(value.length);
            out.write(value);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        return in.readBoolean() ? readLengthAndBytes(in) : null;
    }

    private static byte[] readLengthAndBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > 1 << 20) {
            throw new IOException("a field of " + length + " bytes");
        }
        return in.readNBytes(length);
    }

    private static void writeInstant(DataOutputStream out, Instant value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeLong(value.getEpochSecond());
            out.writeInt(value.getNano());
        }
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        return in.readBoolean() ? Instant.ofEpochSecond(in.readLong(), in.readInt()) : null;
    }

    private static void writeEnum(DataOutputStream out, Enum<?> value) throws IOException {
        writeString(out, value == null ? null : value.name());
    }

    private static <E extends Enum<E>> E readEnum(DataInputStream in, Function<String, E> valueOf) throws IOException {
        String name = readString(in);
        return name == null ? null : valueOf.apply(name);
    }

    /** A digest of every shape a snapshot stores; see the class comment. */
    private static String shapeDigest() {
        StringBuilder shapes = new StringBuilder();
        for (Class<? extends Record> type : List.of(KeyRecord.class, KeyVersion.class, Rotation.class, AliasRecord.class)) {
            shapes.append(type.getSimpleName()).append('(');
            for (var component : type.getRecordComponents()) {
                shapes.append(component.getType().getName()).append(' ').append(component.getName()).append(',');
            }
            shapes.append(')');
        }
        for (Class<? extends Enum<?>> type : List.of(KeySpec.class, KeyUsage.class, Origin.class, ProtectionLevel.class,
                KeyState.class)) {
            shapes.append(type.getSimpleName()).append(Arrays.toString(type.getEnumConstants()));
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(shapes.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
