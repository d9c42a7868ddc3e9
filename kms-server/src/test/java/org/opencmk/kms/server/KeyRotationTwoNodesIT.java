package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.opencmk.kms.server.KeyRotationIT.enableRotation;
import static org.opencmk.kms.server.KeyRotationIT.listVersions;
import static org.opencmk.kms.server.KeyRotationIT.status;
import static org.opencmk.kms.server.KeyRotationScheduleIT.DAY;
import static org.opencmk.kms.server.KeyRotationScheduleIT.PATIENCE;
import static org.opencmk.kms.server.KeyRotationScheduleIT.PERIOD;
import static org.opencmk.kms.server.KeyRotationScheduleIT.POLL;
import static org.opencmk.kms.server.KeyRotationScheduleIT.ROTATE_DAYS;
import static org.opencmk.kms.server.KeyRotationScheduleIT.disableRotation;
import static org.opencmk.kms.server.KeyRotationScheduleIT.history;
import static org.opencmk.kms.server.KeyRotationScheduleIT.ofType;
import static org.opencmk.kms.server.KeyRotationScheduleIT.versionCount;

import com.fasterxml.jackson.databind.JsonNode;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.events.KeyRotationEnabled;
import org.opencmk.kms.events.KeyVersionCreated;
import org.opencmk.kms.events.NextKeyRotationScheduled;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.Nodes;

/**
 * Scheduled rotation on two nodes sharing one PostgreSQL (setup as {@link TwoNodesIT}): the
 * schedule's deadline fires once across the cluster, so every turn makes exactly one version, not
 * one per node. A "day" lasts one second (period 7 s); the test watches three turns.
 */
class KeyRotationTwoNodesIT {

    private static final int TURNS = 3;

    @Test
    void eachTurnMakesExactlyOneVersionAcrossTwoNodes() throws Exception {
        try (EmbeddedPostgres database = EmbeddedPostgres.builder().start()) {
            Map<String, String> shared = Nodes.sharing(database, Map.of("kms.day-length", DAY.toString()));
            try (KmsServer first = KmsServer.start(shared); KmsServer second = KmsServer.start(shared)) {
                List<KmsClient> nodes = List.of(first.adminClient(), second.adminClient());
                String keyId = nodes.get(0).CreateKey(new CreateKeyRequest()).getKeyId();
                await().atMost(PATIENCE).pollInterval(POLL).ignoreExceptions()
                        .until(() -> versionCount(nodes.get(1), keyId) == 1);
                enableRotation(nodes.get(1), keyId, ROTATE_DAYS);
                long firstDue = status(nodes.get(1), keyId).path("NextRotateTime").asLong();

                // While the turns come, no node may ever see more versions than turns have come due
                // (turns are at least a period apart, the first at firstDue), plus the first version.
                List<String> tooMany = new ArrayList<>();
                await().atMost(PERIOD.multipliedBy(TURNS).plus(PATIENCE)).pollInterval(POLL).until(() -> {
                    int least = Integer.MAX_VALUE;
                    for (KmsClient node : nodes) {
                        int count = versionCount(node, keyId);
                        long now = Instant.now().getEpochSecond();
                        long turnsDue = now < firstDue ? 0 : 1 + (now - firstDue) / PERIOD.toSeconds();
                        if (count > 1 + turnsDue) {
                            tooMany.add(count + " versions at " + now + " with " + turnsDue + " turns due");
                        }
                        least = Math.min(least, count);
                    }
                    return least >= 1 + TURNS;
                });
                assertThat(tooMany).as("never more versions than turns").isEmpty();

                disableRotation(nodes.get(0), keyId);
                await().atMost(PATIENCE).pollInterval(POLL)
                        .until(() -> !status(nodes.get(1), keyId).path("KeyRotationEnabled").asBoolean());

                List<Object> history = history(first, keyId);
                List<NextKeyRotationScheduled> turns = ofType(history, NextKeyRotationScheduled.class);
                List<KeyVersionCreated> versions = ofType(history, KeyVersionCreated.class);
                assertThat(turns).hasSizeGreaterThanOrEqualTo(TURNS).allMatch(NextKeyRotationScheduled::rotated);
                assertThat(versions).as("one version per turn, plus the first").hasSize(1 + turns.size());
                List<Instant> dues = new ArrayList<>();
                dues.add(ofType(history, KeyRotationEnabled.class).get(0).nextRotateTime());
                turns.forEach(turn -> dues.add(turn.nextRotateTime()));
                for (int i = 1; i < dues.size(); i++) {
                    assertThat(Duration.between(dues.get(i - 1), dues.get(i))).as("no due time taken twice")
                            .isGreaterThanOrEqualTo(PERIOD);
                }
                for (KmsClient node : nodes) {
                    await().atMost(PATIENCE).pollInterval(POLL).until(() -> versionCount(node, keyId) == versions.size());
                    JsonNode listed = listVersions(node, keyId).path("KeyVersions");
                    List<Long> created = new ArrayList<>(listed.findValues("CreateTime").stream().map(JsonNode::asLong).toList());
                    java.util.Collections.reverse(created);
                    for (int i = 1; i < created.size(); i++) {
                        assertThat(created.get(i)).as("version %d made at its turn, not before", i)
                                .isGreaterThanOrEqualTo(dues.get(i - 1).getEpochSecond());
                    }
                    assertThat(listed.findValues("IsPrimary")).filteredOn(JsonNode::asBoolean).hasSize(1);
                }
            }
        }
    }
}
