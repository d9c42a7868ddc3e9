package org.opencmk.kms.server.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A SoftHSM2 token for the integration tests, as the HSM of the protection level HSM: a throwaway
 * token directory under {@code target/softhsm}, initialised once per test JVM with {@code
 * softhsm2-util}. SoftHSM2 reads its configuration file from the environment variable {@code
 * SOFTHSM2_CONF} when the library is initialised, and a JVM cannot set its own environment, so
 * failsafe sets that variable to {@code target/softhsm/softhsm2.conf} and this class writes the
 * file before the first server starts.
 */
public final class SoftHsm {

    public static final String LIBRARY = "/usr/lib/softhsm/libsofthsm2.so";
    public static final String TOKEN_LABEL = "kms-it";
    public static final String PIN = "87654321";
    private static final String SO_PIN = "12345678";

    private static boolean initialised;

    private SoftHsm() {
    }

    /** True if SoftHSM2 is installed and failsafe pointed SOFTHSM2_CONF at this module's target directory. */
    public static boolean available() {
        return Files.isRegularFile(Path.of(LIBRARY)) && System.getenv("SOFTHSM2_CONF") != null;
    }

    /** The server settings of the HSM level, on the token (initialised on first call). */
    public static synchronized Map<String, String> settings() {
        if (!available()) {
            throw new IllegalStateException("SoftHSM2 is not installed (" + LIBRARY + "), or SOFTHSM2_CONF is not set:"
                    + " .ci/run installs the Debian package softhsm2; failsafe sets SOFTHSM2_CONF");
        }
        if (!initialised) {
            initialise();
            initialised = true;
        }
        return Map.of("kms.hsm.pkcs11-library", LIBRARY, "kms.hsm.token-label", TOKEN_LABEL, "kms.hsm.pin", PIN);
    }

    /** The token's directory: remove it (and the token is gone), put it back. */
    public static Path tokenDirectory() {
        return Path.of(System.getenv("SOFTHSM2_CONF")).getParent().resolve("tokens");
    }

    private static void initialise() {
        Path conf = Path.of(System.getenv("SOFTHSM2_CONF"));
        Path tokens = tokenDirectory();
        try {
            if (Files.exists(tokens)) {
                try (var files = Files.walk(tokens)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
            Files.createDirectories(tokens);
            Files.writeString(conf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\n"
                    + "log.level = ERROR\n", StandardCharsets.UTF_8);
            ProcessBuilder init = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL,
                    "--pin", PIN, "--so-pin", SO_PIN).redirectErrorStream(true);
            init.environment().put("SOFTHSM2_CONF", conf.toString());
            Process process = init.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("softhsm2-util could not initialise the token: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
