package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.Sdk.b64;
import static org.opencmk.kms.server.support.Sdk.errorOf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.command.alias.AliasRegistry;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.Nodes;

/**
 * Two server nodes on one PostgreSQL (DESIGN.md "Storage and scale-out"): a key made on one is
 * usable on the other, and a management change on one is honoured by the other. DESIGN.md asks
 * for "within one second" (the event store polls every 250 ms); the test waits up to ten, so a
 * loaded CI machine cannot make it flaky: it checks that changes travel, not how fast.
 */
class TwoNodesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PROPAGATION = Duration.ofSeconds(10);
    private static final int ALIASES = 24;
    /** Aliases made before the race: the race takes the registry past its snapshot threshold. */
    private static final int FILLER_ALIASES = AliasRegistry.SNAPSHOT_AFTER_EVENTS - ALIASES / 2;

    @Test
    void aChangeOnOneNodeIsHonouredByTheOther() throws Exception {
        try (EmbeddedPostgres database = EmbeddedPostgres.builder().start()) {
            Map<String, String> shared = Nodes.sharing(database, Map.of());
            try (KmsServer first = KmsServer.start(shared); KmsServer second = KmsServer.start(shared)) {
                KmsClient one = first.adminClient();
                KmsClient two = second.adminClient();
                String keyId = one.CreateKey(new CreateKeyRequest()).getKeyId();
                String blob = awaitEncrypt(two, keyId);
                assertThat(JSON.readTree(one.call("Decrypt", "{\"CiphertextBlob\":\"" + blob + "\"}"))
                        .path("Response").path("KeyId").asText()).isEqualTo(keyId);

                one.call("DisableKey", "{\"KeyId\":\"" + keyId + "\"}");
                Instant disabled = Instant.now();
                String code = null;
                while (Duration.between(disabled, Instant.now()).compareTo(PROPAGATION) < 0 && code == null) {
                    code = errorOf(() -> two.call("Encrypt", encrypt(keyId)));
                    Thread.sleep(20);
                }
                assertThat(code).as("the other node refuses within " + PROPAGATION).isEqualTo("ResourceUnavailable.CmkDisabled");

                // both nodes change one account's alias registry at once: conflicts are retried, none is lost
                one.call("EnableKey", "{\"KeyId\":\"" + keyId + "\"}");
                // ... and the race crosses the registry's snapshot threshold, so both nodes may
                // snapshot it while the other changes it (issue 17, part 3)
                String fillerKey = one.CreateKey(new CreateKeyRequest()).getKeyId();
                for (int i = 0; i < FILLER_ALIASES; i++) {
                    one.call("CreateAlias", "{\"Alias\":\"filler-" + i + "\",\"KeyId\":\"" + fillerKey + "\"}");
                }
                var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
                var outcomes = new java.util.ArrayList<java.util.concurrent.Future<String>>();
                for (int i = 0; i < ALIASES; i++) {
                    KmsClient node = i % 2 == 0 ? one : two;
                    String body = "{\"Alias\":\"race-" + i + "\",\"KeyId\":\"" + keyId + "\"}";
                    outcomes.add(pool.submit(() -> errorOf(() -> node.call("CreateAlias", body))));
                }
                for (var outcome : outcomes) {
                    assertThat(outcome.get()).as("every alias is created").isNull();
                }
                pool.shutdown();
                for (KmsClient node : java.util.List.of(one, two)) {
                    Instant giveUp = Instant.now().plus(PROPAGATION);
                    int seen = 0;
                    while (seen < ALIASES && Instant.now().isBefore(giveUp)) {
                        seen = JSON.readTree(node.call("ListAliasesByKeyId", "{\"KeyId\":\"" + keyId + "\",\"Limit\":100}"))
                                .path("Response").path("TotalCount").asInt();
                        Thread.sleep(50);
                    }
                    assertThat(seen).as("every node sees every alias").isEqualTo(ALIASES);
                }
                for (int i = 0; i < ALIASES; i++) {
                    KmsClient node = i % 2 == 0 ? two : one;
                    String body = "{\"Alias\":\"race-" + i + "\",\"KeyId\":\"" + fillerKey + "\"}";
                    assertThat(errorOf(() -> node.call("CreateAlias", body)))
                            .as("each node's registry, snapshot or not, holds race-" + i)
                            .isEqualTo("InvalidParameterValue.AliasAlreadyExists");
                }
                assertThat(first.bean(org.springframework.jdbc.core.JdbcTemplate.class).queryForObject(
                        "SELECT count(*) FROM snapshotevententry WHERE type = 'AliasRegistry'", Integer.class))
                        .as("the registry was snapshotted").isPositive();
                assertThat(JSON.readTree(one.call("ListAliases", "{\"Limit\":1}")).path("Response").path("TotalCount").asInt())
                        .isEqualTo(FILLER_ALIASES + ALIASES);
            }
        }
    }

    private static String awaitEncrypt(KmsClient client, String keyId) throws Exception {
        Instant giveUp = Instant.now().plus(PROPAGATION);
        while (true) {
            try {
                return JSON.readTree(client.call("Encrypt", encrypt(keyId))).path("Response").path("CiphertextBlob").asText();
            } catch (TencentCloudSDKException notYet) {
                if (Instant.now().isAfter(giveUp)) {
                    throw notYet;
                }
                Thread.sleep(20);
            }
        }
    }

    private static String encrypt(String keyId) {
        return "{\"KeyId\":\"" + keyId + "\",\"Plaintext\":\"" + b64("two nodes") + "\"}";
    }
}
