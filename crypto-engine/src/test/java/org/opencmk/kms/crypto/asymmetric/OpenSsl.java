package org.opencmk.kms.crypto.asymmetric;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The openssl command line, run as users run it: one command string (split at spaces, so no
 * argument may contain one) in a working directory, its stdout and stderr together. The import
 * tests ({@code material.ImportWithOpenSslTest}) run it too.
 */
public final class OpenSsl {

    private static volatile Boolean installed;

    private OpenSsl() {
    }

    /** Skips the calling test class (from {@code @BeforeAll}) where no openssl is installed. */
    public static void assumeInstalled() {
        if (installed == null) {
            boolean present;
            try {
                Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
                present = process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
            } catch (IOException | InterruptedException e) {
                present = false;
            }
            installed = present;
        }
        Assumptions.assumeTrue(installed, "openssl is not installed");
    }

    /** What a command answered. */
    record Result(int exitCode, String output) {

        boolean succeeded() {
            return exitCode == 0;
        }
    }

    /** Runs {@code command} in {@code directory}, whatever its exit code. */
    static Result run(Path directory, String command) throws IOException, InterruptedException {
        Path output = Files.createTempFile(directory, "openssl", ".out");
        Process process = new ProcessBuilder(List.of(command.split(" ")))
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean finished = process.waitFor(60, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        assertThat(finished).as("%s finished within a minute", command).isTrue();
        Result result = new Result(process.exitValue(), Files.readString(output));
        Files.delete(output);
        return result;
    }

    /** Runs {@code command} in {@code directory}, which must succeed; returns its output. */
    public static String ok(Path directory, String command) throws IOException, InterruptedException {
        Result result = run(directory, command);
        assertThat(result.exitCode()).as("%s: %s", command, result.output()).isZero();
        return result.output();
    }
}
