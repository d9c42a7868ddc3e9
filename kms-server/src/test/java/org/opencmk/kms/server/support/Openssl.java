package org.opencmk.kms.server.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The openssl command line, run as a user of the seeds' guides runs it: one command at a time,
 * split on spaces exactly as written there, in a working directory of the test's.
 */
public final class Openssl {

    private static final long TIMEOUT_SECONDS = 60;
    private static final String OUTPUT = "openssl.out";

    private final Path directory;

    public Openssl(Path directory) {
        this.directory = directory;
    }

    /** Skips the calling test class where no openssl is installed. */
    public static void assumeInstalled() {
        boolean present;
        try {
            Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            present = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            present = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            present = false;
        }
        Assumptions.assumeTrue(present, "openssl is not installed");
    }

    /** Runs {@code command} (which starts with {@code openssl}) and asserts that it succeeded. */
    public void run(String command) throws IOException, InterruptedException {
        int exitValue = exitValue(command);
        // openssl's output here is warnings and errors only, never the material
        assertThat(exitValue).as("%s: %s", command, output()).isZero();
    }

    /** Runs {@code command} and answers its exit value (0 for success), for commands that must fail. */
    public int exitValue(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of(command.split(" ")))
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve(OUTPUT).toFile())
                .start();
        boolean finished = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        assertThat(finished).as("%s finished within %d s", command, TIMEOUT_SECONDS).isTrue();
        return process.exitValue();
    }

    /** What the last command printed (stdout and stderr). */
    public String output() throws IOException {
        return Files.readString(directory.resolve(OUTPUT));
    }

    public Path file(String name) {
        return directory.resolve(name);
    }
}
