package org.opencmk.kms.server.support;

import java.util.Map;

/**
 * One server for every integration test that does not restart it or change its settings:
 * starting a server takes seconds, so the test classes share it. Each test makes its own keys
 * (and, where isolation matters, its own accounts), so tests do not see each other's state.
 */
public final class SharedKmsServer {

    private static KmsServer server;

    private SharedKmsServer() {
    }

    public static synchronized KmsServer get() {
        if (server == null) {
            Map<String, String> settings = new java.util.HashMap<>(
                    Map.of("kms.throttle.requests-per-second", "100000", "kms.throttle.burst", "100000"));
            if (ProtectionLevels.hsm()) {
                org.junit.jupiter.api.Assumptions.assumeTrue(SoftHsm.available(),
                        "the HSM-level run needs SoftHSM2 (apt-get install softhsm2; .ci/run installs it)");
                settings.putAll(SoftHsm.settings());
            }
            server = KmsServer.start(settings);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        }
        return server;
    }
}
