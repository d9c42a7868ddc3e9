package org.opencmk.kms.crypto.keystore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;

/**
 * The software keystore's root key at rest: one file holding the 32-byte key as base64 text (a
 * trailing newline allowed), readable and writable by its owner only (0600 or stricter).
 *
 * <p>Losing this file loses every key of the KMS; anyone who reads it can read every key. Hence a
 * file with looser permissions is refused rather than used, and a new one never exists, even for
 * an instant, with permissions other than 0600 or with partial content. Messages name the path,
 * never the content.
 */
final class RootKeyFile {

    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private RootKeyFile() {
    }

    static SecretBytes readOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            return read(file);
        }
        SecretBytes created = RandomSource.newSecret(SoftwareKeystore.ROOT_KEY_LENGTH);
        try {
            create(file, created);
            return created;
        } catch (FileAlreadyExistsException e) {
            // Another process created it first: its root key is the one, ours was never used.
            created.destroy();
            return read(file);
        } catch (IOException | RuntimeException e) {
            created.destroy();
            throw e;
        }
    }

    static SecretBytes read(Path file) throws IOException {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            throw new IOException("cannot check the permissions of root key file " + file
                    + ": it must be on a POSIX file system");
        }
        if (!OWNER_ONLY.containsAll(permissions)) {
            throw new IOException("root key file " + file + " has permissions "
                    + PosixFilePermissions.toString(permissions)
                    + ", so others than its owner can use it; restrict them first (chmod 600 " + file + ")");
        }
        byte[] content = Files.readAllBytes(file);
        byte[] encoded = null;
        byte[] decoded = null;
        try {
            int end = content.length;
            while (end > 0 && Character.isWhitespace(content[end - 1])) {
                end--;
            }
            encoded = Arrays.copyOf(content, end);
            decoded = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            // No cause: the decoder's message quotes a character of the key.
            decoded = null;
        } finally {
            Arrays.fill(content, (byte) 0);
            if (encoded != null) {
                Arrays.fill(encoded, (byte) 0);
            }
        }
        if (decoded == null || decoded.length != SoftwareKeystore.ROOT_KEY_LENGTH) {
            if (decoded != null) {
                Arrays.fill(decoded, (byte) 0);
            }
            throw new IOException("root key file " + file + " does not hold a base64 "
                    + SoftwareKeystore.ROOT_KEY_LENGTH + "-byte key");
        }
        return SecretBytes.takeOwnership(decoded);
    }

    /**
     * Writes {@code rootKey} to a new {@code file}. The content goes to a temporary file created
     * 0600 in the same directory, is forced to disk, then appears under its name at once through a
     * hard link. A link rather than an atomic rename: rename silently replaces a file another
     * process created meanwhile, and the root key it had handed out would be lost for good; a link
     * fails instead ({@link FileAlreadyExistsException}).
     */
    static void create(Path file, SecretBytes rootKey) throws IOException {
        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path temporary = Files.createTempFile(directory, ".root-key-", ".tmp",
                PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        byte[] encoded = Base64.getEncoder().encode(rootKey.insecureBytes());
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer content = ByteBuffer.wrap(encoded);
                while (content.hasRemaining()) {
                    channel.write(content);
                }
                channel.write(ByteBuffer.wrap(new byte[] {'\n'}));
                channel.force(true);
            }
            Files.createLink(file, temporary);
            forceDirectory(directory);
        } finally {
            Arrays.fill(encoded, (byte) 0);
            Files.deleteIfExists(temporary);
        }
    }

    /** Makes the new directory entry durable, so a crash cannot lose a root key already in use. */
    private static void forceDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot open or sync a directory; the file content is already durable.
        }
    }
}
