package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.SharedKmsServer;

/**
 * The official Tencent Cloud Node.js SDK works too (PROTOCOL.md: it signs the host without its
 * port and sends no charset). Runs {@code src/test/node/sdk-flow.js} with Node.js and npm, which
 * this project's machines have.
 */
class NodeSdkIT {

    private static final Path SOURCES = Path.of("src/test/node");
    private static final Path WORK = Path.of("target/node-sdk");

    @Test
    void theNodeSdkDrivesTheSymmetricFlow() throws Exception {
        installSdk();
        KmsServer server = SharedKmsServer.get();
        Accounts account = Accounts.create(server, "node");
        ProcessBuilder node = new ProcessBuilder("node", "sdk-flow.js").directory(WORK.toFile()).redirectErrorStream(true);
        node.environment().put("KMS_ENDPOINT", "127.0.0.1:" + server.port());
        node.environment().put("KMS_SECRET_ID", account.secretId());
        node.environment().put("KMS_SECRET_KEY", account.secretKey());
        String output = run(node, 60);
        JsonNode result = new ObjectMapper().readTree(output.lines().reduce((first, last) -> last).orElse("{}"));

        assertThat(result.path("failure").isMissingNode()).as(output).isTrue();
        assertThat(result.path("encryptedWith").asText()).isEqualTo(result.path("keyId").asText());
        assertThat(result.path("roundTrip").asBoolean()).isTrue();
        assertThat(result.path("dataKeyRoundTrip").asBoolean()).isTrue();
        assertThat(result.path("wrongContext").asText()).isEqualTo("FailedOperation.DecryptError");
        assertThat(result.path("unknownKey").asText()).isEqualTo("ResourceUnavailable.CmkNotFound");
    }

    private static void installSdk() throws Exception {
        Files.createDirectories(WORK);
        for (String file : List.of("package.json", "package-lock.json", "sdk-flow.js")) {
            Files.copy(SOURCES.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!Files.isDirectory(WORK.resolve("node_modules/tencentcloud-sdk-nodejs-common"))) {
            run(new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(WORK.toFile()).redirectErrorStream(true), 300);
        }
    }

    private static String run(ProcessBuilder builder, int timeoutSeconds) throws IOException, InterruptedException {
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", builder.command()) + " failed:\n" + output);
        }
        return output;
    }
}
