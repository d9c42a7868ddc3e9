package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.opencmk.kms.server.support.ImportSteps.createExternalKey;
import static org.opencmk.kms.server.support.ImportSteps.decrypt;
import static org.opencmk.kms.server.support.ImportSteps.encrypt;
import static org.opencmk.kms.server.support.ImportSteps.importMaterial;
import static org.opencmk.kms.server.support.ImportSteps.metadata;
import static org.opencmk.kms.server.support.ImportSteps.newMaterial;
import static org.opencmk.kms.server.support.ImportSteps.rsaParameters;
import static org.opencmk.kms.server.support.ImportSteps.state;
import static org.opencmk.kms.server.support.ImportSteps.wrapOaepSha256;
import static org.opencmk.kms.server.support.Sdk.assertError;

import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.GetParametersForImportResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.opencmk.kms.server.support.KmsServer;

/**
 * Imported material expires at its ValidTo (seed 000, "删除密钥材料": the KMS deletes material
 * that reaches its expiry time, with the same effect as DeleteImportedKeyMaterial), through the
 * real persistent deadline, also across a restart. ValidTo is an absolute Unix time, so the tests
 * set it a few seconds ahead; they wait on conditions, never for a fixed time. Own server: one
 * test stops and restarts it.
 */
@TestMethodOrder(MethodOrderer.Random.class)
class ImportedMaterialExpiryIT {

    /** How far ahead ValidTo is set: long enough for the calls before it, short enough to wait for. */
    private static final Duration SHORT_LIFE = Duration.ofSeconds(4);
    /** Room for the server to stop before ValidTo in the restart test. */
    private static final Duration LIFE_ACROSS_RESTART = Duration.ofSeconds(8);
    /** Bounds every wait beyond ValidTo; reached only if the feature is broken. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String PAYLOAD = "expiring";

    private static KmsServer server;

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void materialExpiresAtItsValidToAndTheSameMaterialBringsTheKeyBackForGood() throws Exception {
        KmsClient kms = server.adminClient();
        String keyId = createExternalKey(kms, "expiring", "expires soon");
        byte[] material = newMaterial(32);
        Wrapped wrapped = wrap(kms, keyId, material);
        long validTo = Instant.now().plus(SHORT_LIFE).getEpochSecond();
        wrapped.importWith(validTo);
        assertThat(metadata(kms, keyId).getValidTo()).isEqualTo(validTo);
        String blob = encrypt(kms, keyId, PAYLOAD, null);

        awaitState(kms, keyId, "PendingImport", validTo);

        assertThat(Instant.now().getEpochSecond()).as("not before its ValidTo").isGreaterThanOrEqualTo(validTo);
        assertThat(metadata(kms, keyId).getValidTo()).as("no material, no ValidTo").isZero();
        assertThat(metadata(kms, keyId).getDescription()).isEqualTo("expires soon");
        assertThat(metadata(kms, keyId).getAlias()).isEqualTo("expiring");
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> encrypt(kms, keyId, PAYLOAD, null));
        assertError("ResourceUnavailable.CmkStateNotSupport", () -> decrypt(kms, blob, null));
        assertError("InvalidParameterValue.MaterialNotMatch", () -> importMaterial(kms, keyId, newMaterial(32), 0L));

        importMaterial(kms, keyId, material, 0L);

        assertThat(state(kms, keyId)).isEqualTo("Enabled");
        assertThat(metadata(kms, keyId).getValidTo()).isZero();
        assertThat(decrypt(kms, blob, null)).isEqualTo(PAYLOAD);
    }

    /**
     * A re-import with ValidTo 0 cancels the expiry; one with a later ValidTo moves it. A witness
     * key imported with a ValidTo after both earlier ones shows when they would have fired.
     */
    @Test
    void aReimportClearsOrMovesTheExpiry() throws Exception {
        KmsClient kms = server.adminClient();
        String cleared = createExternalKey(kms);
        String moved = createExternalKey(kms);
        String witness = createExternalKey(kms);
        byte[] material = newMaterial(32);
        // Wrapping keys first (making one takes a while): the imports below then follow each other closely.
        Wrapped forCleared = wrap(kms, cleared, material);
        Wrapped forMoved = wrap(kms, moved, material);
        Wrapped forWitness = wrap(kms, witness, material);
        long validTo = Instant.now().plus(SHORT_LIFE).getEpochSecond();
        long later = validTo + Duration.ofDays(1).toSeconds();
        forCleared.importWith(validTo);
        forMoved.importWith(validTo);

        forCleared.importWith(0L);
        forMoved.importWith(later);
        forWitness.importWith(validTo + 1);

        awaitState(kms, witness, "PendingImport", validTo + 1);
        assertThat(state(kms, cleared)).as("ValidTo 0: never expires").isEqualTo("Enabled");
        assertThat(metadata(kms, cleared).getValidTo()).isZero();
        assertThat(state(kms, moved)).isEqualTo("Enabled");
        assertThat(metadata(kms, moved).getValidTo()).isEqualTo(later);
        assertThat(decrypt(kms, encrypt(kms, cleared, PAYLOAD, null), null)).isEqualTo(PAYLOAD);
    }

    @Test
    void materialWhoseValidToPassesWhileTheServerIsDownExpiresAfterItStarts() throws Exception {
        KmsClient kms = server.adminClient();
        String keyId = createExternalKey(kms);
        String kept = createExternalKey(kms);
        byte[] material = newMaterial(32);
        Wrapped expiring = wrap(kms, keyId, material);
        Wrapped keptWrapped = wrap(kms, kept, material);
        long validTo = Instant.now().plus(LIFE_ACROSS_RESTART).getEpochSecond();
        expiring.importWith(validTo);
        keptWrapped.importWith(validTo);
        keptWrapped.importWith(0L);
        String blob = encrypt(kms, kept, PAYLOAD, null);

        server.stop();
        // Had the material expired before the server was down, this run would prove nothing: say
        // so (the test is reported as aborted) rather than pass or fail on the machine's speed.
        assumeTrue(Instant.now().getEpochSecond() < validTo, "the server took the material's whole life to stop");
        await().atMost(LIFE_ACROSS_RESTART.plus(PATIENCE)).until(() -> Instant.now().getEpochSecond() > validTo);
        server.start();

        KmsClient after = server.adminClient();
        awaitState(after, keyId, "PendingImport", validTo);
        assertThat(metadata(after, keyId).getValidTo()).isZero();
        assertThat(state(after, kept)).isEqualTo("Enabled");
        assertThat(decrypt(after, blob, null)).isEqualTo(PAYLOAD);
        importMaterial(after, keyId, material, 0L);
        assertThat(state(after, keyId)).isEqualTo("Enabled");
    }

    /** Material wrapped for one key under fresh import parameters, ready to import. */
    private record Wrapped(KmsClient kms, String keyId, String encryptedKeyMaterial, String importToken) {
        void importWith(long validTo) throws Exception {
            importMaterial(kms, keyId, encryptedKeyMaterial, importToken, validTo);
        }
    }

    private static Wrapped wrap(KmsClient kms, String keyId, byte[] material) throws Exception {
        GetParametersForImportResponse parameters = rsaParameters(kms, keyId);
        return new Wrapped(kms, keyId, wrapOaepSha256(parameters.getPublicKey(), material), parameters.getImportToken());
    }

    /** Waits for the key to reach {@code expected}: until ValidTo plus {@link #PATIENCE} at most. */
    private static void awaitState(KmsClient kms, String keyId, String expected, long validTo) {
        Duration untilValidTo = Duration.between(Instant.now(), Instant.ofEpochSecond(validTo));
        Duration bound = (untilValidTo.isNegative() ? Duration.ZERO : untilValidTo).plus(PATIENCE);
        await().atMost(bound).pollInterval(Duration.ofMillis(200)).until(() -> expected.equals(state(kms, keyId)));
    }
}
