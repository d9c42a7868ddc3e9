package org.opencmk.kms.crypto.keystore.pkcs11;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway SoftHSM2 token for this test JVM: a fresh token directory under {@code
 * target/softhsm}, the {@code softhsm2.conf} that names it, and {@code softhsm2-util --init-token}
 * run as a child process with {@code SOFTHSM2_CONF} pointing at it. The JVM itself gets the same
 * variable from surefire (SoftHSM reads it at C_Initialize, and a running JVM cannot set its own
 * environment), so the token is created once, before the first C_Initialize of the run.
 *
 * <p>Tests that need it skip, saying why, when SoftHSM2 is not installed ({@code .ci/run} installs
 * it) or when run outside Maven without the variable.
 */
final class SoftHsmToken {

    static final String LIBRARY = "/usr/lib/softhsm/libsofthsm2.so";
    static final String LABEL = "kms-test";
    /** Distinctive, so that a grep of the test output for it means something. */
    static final String PIN = "kms-pin-7Q3x9";
    private static final String SO_PIN = "kms-so-pin-5678";
    private static boolean created;

    private SoftHsmToken() {
    }

    static char[] pin() {
        return PIN.toCharArray();
    }

    /** Creates the token on first call; skips the calling test when it cannot be had. */
    static synchronized void require() throws IOException, InterruptedException {
        assumeTrue(Files.exists(Path.of(LIBRARY)),
                "SoftHSM2 is not installed (no " + LIBRARY + "): apt-get install softhsm2 to run the PKCS#11 tests");
        String conf = System.getenv("SOFTHSM2_CONF");
        assumeTrue(conf != null, "SOFTHSM2_CONF is not set: run the PKCS#11 tests through Maven (surefire sets it)");
        if (created) {
            return;
        }
        Path config = Path.of(conf);
        Path tokens = config.resolveSibling("tokens");
        if (Files.exists(tokens)) {
            try (Stream<Path> old = Files.walk(tokens)) {
                for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(tokens);
        Files.writeString(config, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n",
                StandardCharsets.UTF_8);
        ProcessBuilder init = new ProcessBuilder(List.of("softhsm2-util", "--init-token", "--free", "--label", LABEL,
                "--pin", PIN, "--so-pin", SO_PIN)).redirectErrorStream(true);
        init.environment().put("SOFTHSM2_CONF", config.toString());
        Process process = init.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("softhsm2-util --init-token failed: " + output.replace(PIN, "<pin>"));
        }
        created = true;
    }
}
