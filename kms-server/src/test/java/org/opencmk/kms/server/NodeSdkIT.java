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
 * port and sends no charset). Runs {@code src/test/node/sdk-flow.js} (the symmetric flow) and
 * {@code sdk-asymmetric.js} (a sign and verify round) with Node.js and npm, which this project's
 * machines have.
 */
class NodeSdkIT {

    private static final Path SOURCES = Path.of("src/test/node");
    private static final Path WORK = Path.of("target/node-sdk");

    @Test
    void theNodeSdkDrivesTheSymmetricFlow() throws Exception {
        JsonNode result = runScript("sdk-flow.js");

        assertThat(result.path("encryptedWith").asText()).isEqualTo(result.path("keyId").asText());
        assertThat(result.path("roundTrip").asBoolean()).isTrue();
        assertThat(result.path("dataKeyRoundTrip").asBoolean()).isTrue();
        assertThat(result.path("wrongContext").asText()).isEqualTo("FailedOperation.DecryptError");
        assertThat(result.path("unknownKey").asText()).isEqualTo("ResourceUnavailable.CmkNotFound");
    }

    @Test
    void theNodeSdkSignsAndVerifiesWithAnAsymmetricKey() throws Exception {
        JsonNode result = runScript("sdk-asymmetric.js");

        assertThat(result.path("keyUsage").asText()).isEqualTo("ASYMMETRIC_SIGN_VERIFY_ECC");
        assertThat(result.path("signedWith").asText()).isEqualTo(result.path("keyId").asText());
        assertThat(result.path("verified").asBoolean()).isTrue();
        assertThat(result.path("tampered").isBoolean()).isTrue();
        assertThat(result.path("tampered").asBoolean()).isFalse();
        assertThat(result.path("nodeVerified").asBoolean()).as("Node's crypto accepts the signature").isTrue();
        assertThat(result.path("wrongAlgorithm").asText()).isEqualTo("InvalidParameterValue.InvalidAlgorithm");
    }

    /** Runs one script of {@code src/test/node} in an account of its own; answers the JSON line it printed last. */
    private static JsonNode runScript(String script) throws Exception {
        installSdk();
        KmsServer server = SharedKmsServer.get();
        Accounts account = Accounts.create(server, "node");
        ProcessBuilder node = new ProcessBuilder("node", script).directory(WORK.toFile()).redirectErrorStream(true);
        node.environment().put("KMS_ENDPOINT", "127.0.0.1:" + server.port());
        node.environment().put("KMS_SECRET_ID", account.secretId());
        node.environment().put("KMS_SECRET_KEY", account.secretKey());
        String output = run(node, 60);
        JsonNode result = new ObjectMapper().readTree(output.lines().reduce((first, last) -> last).orElse("{}"));
        assertThat(result.path("failure").isMissingNode()).as(output).isTrue();
        return result;
    }

    private static void installSdk() throws Exception {
        Files.createDirectories(WORK);
        for (String file : List.of("package.json", "package-lock.json", "sdk-flow.js", "sdk-asymmetric.js")) {
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
