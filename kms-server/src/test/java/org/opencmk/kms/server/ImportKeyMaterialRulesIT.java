package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.ImportSteps.OAEP_SHA_1;
import static org.opencmk.kms.server.support.ImportSteps.OAEP_SHA_256;
import static org.opencmk.kms.server.support.ImportSteps.PKCS1_V1_5;
import static org.opencmk.kms.server.support.ImportSteps.RSA_2048;
import static org.opencmk.kms.server.support.ImportSteps.SM2;
import static org.opencmk.kms.server.support.ImportSteps.SM2PKE;
import static org.opencmk.kms.server.support.ImportSteps.assertRefusedUnchanged;
import static org.opencmk.kms.server.support.ImportSteps.createExternalKey;
import static org.opencmk.kms.server.support.ImportSteps.createExternalSm4Key;
import static org.opencmk.kms.server.support.ImportSteps.decrypt;
import static org.opencmk.kms.server.support.ImportSteps.deleteMaterial;
import static org.opencmk.kms.server.support.ImportSteps.encrypt;
import static org.opencmk.kms.server.support.ImportSteps.importMaterial;
import static org.opencmk.kms.server.support.ImportSteps.metadata;
import static org.opencmk.kms.server.support.ImportSteps.newMaterial;
import static org.opencmk.kms.server.support.ImportSteps.parameters;
import static org.opencmk.kms.server.support.ImportSteps.rsaParameters;
import static org.opencmk.kms.server.support.ImportSteps.state;
import static org.opencmk.kms.server.support.ImportSteps.wrapOaepSha256;
import static org.opencmk.kms.server.support.ImportSteps.wrapPkcs1;

import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.GetParametersForImportResponse;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.RawClient;
import org.opencmk.kms.server.support.Sdk;
import org.opencmk.kms.server.support.SharedKmsServer;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The rules of bringing your own key (seed 000, steps 2 and 4, and "更多操作"; SPEC "BYOK
 * import"), each refusal with its error code; every refusal leaves the key as it was (state,
 * ValidTo, description, alias) and, where a token was in play, the token usable.
 */
class ImportKeyMaterialRulesIT {

    private static final Duration TOKEN_VALIDITY = Duration.ofHours(24);
    private static final String PAYLOAD = "imported rules";
    private static final int CONCURRENT_CALLS = 4;
    private static final int CONCURRENT_ROUNDS = 20;

    private static KmsServer server;
    private static KmsClient kms;

    @BeforeAll
    static void server() {
        server = SharedKmsServer.get();
        kms = Accounts.create(server, "byok-rules").sdk();
    }

    // Seed 000, step 2: "返回的Token和PublicKey 24小时后失效"
    @Test
    void importParametersAreAFreshRsa2048PublicKeyAndATokenValidFor24Hours() throws Exception {
        String keyId = createExternalKey(kms, "byok-parameters", null);

        Instant before = Instant.now();
        GetParametersForImportResponse first = rsaParameters(kms, "byok-parameters");
        Instant after = Instant.now();
        GetParametersForImportResponse second = rsaParameters(kms, keyId);

        assertThat(first.getKeyId()).as("the alias resolved").isEqualTo(keyId);
        assertThat(first.getParametersValidTo()).isBetween(before.plus(TOKEN_VALIDITY).getEpochSecond(),
                after.plus(TOKEN_VALIDITY).getEpochSecond());
        RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(first.getPublicKey())));
        assertThat(publicKey.getModulus().bitLength()).isEqualTo(2048);
        assertThat(publicKey.getPublicExponent()).isEqualTo(BigInteger.valueOf(65537));
        assertThat(second.getPublicKey()).as("a fresh wrapping key per call").isNotEqualTo(first.getPublicKey());
        assertThat(second.getImportToken()).isNotEqualTo(first.getImportToken());
        assertThat(state(kms, keyId)).isEqualTo("PendingImport");
    }

    // Seed 000, step 4: "导入令牌的有效期为24小时，在有效期内可以重复使用"
    @Test
    void aTokenCanBeUsedAgainWithinItsValidity() throws Exception {
        String keyId = createExternalKey(kms);
        byte[] material = newMaterial(32);
        GetParametersForImportResponse issued = rsaParameters(kms, keyId);

        importMaterial(kms, keyId, wrapOaepSha256(issued.getPublicKey(), material), issued.getImportToken(), null);
        long validTo = Instant.now().plus(Duration.ofDays(365)).getEpochSecond();
        importMaterial(kms, keyId, wrapOaepSha256(issued.getPublicKey(), material), issued.getImportToken(), validTo);

        assertThat(metadata(kms, keyId).getKeyState()).isEqualTo("Enabled");
        assertThat(metadata(kms, keyId).getValidTo()).as("seed 000: an import resets ValidTo").isEqualTo(validTo);
        deleteMaterial(kms, keyId);
        importMaterial(kms, keyId, wrapOaepSha256(issued.getPublicKey(), material), issued.getImportToken(), 0L);
        assertThat(metadata(kms, keyId).getKeyState()).isEqualTo("Enabled");
        assertThat(metadata(kms, keyId).getValidTo()).isZero();
    }

    // Seed 000, step 4: "只有最后一次调用的 token 和 publicKey 有效，历史调用返回的将自动过期"
    @Test
    void aNewerCallForParametersSupersedesEarlierTokensAndWrappingKeys() throws Exception {
        String keyId = createExternalKey(kms);
        byte[] material = newMaterial(32);
        GetParametersForImportResponse earlier = rsaParameters(kms, keyId);
        GetParametersForImportResponse latest = rsaParameters(kms, keyId);

        assertRefusedUnchanged(kms, keyId, "ResourceUnavailable.TokenSuperseded", () -> importMaterial(kms, keyId,
                wrapOaepSha256(earlier.getPublicKey(), material), earlier.getImportToken(), null));
        assertRefusedUnchanged(kms, keyId, "InvalidParameter.DecryptMaterialError", () -> importMaterial(kms, keyId,
                wrapOaepSha256(earlier.getPublicKey(), material), latest.getImportToken(), null));

        importMaterial(kms, keyId, wrapOaepSha256(latest.getPublicKey(), material), latest.getImportToken(), null);
        assertThat(state(kms, keyId)).isEqualTo("Enabled");
    }

    /**
     * Seed 000, step 4, under concurrency: of two calls for parameters that overlap, one is the
     * later, and only its token stays usable.
     */
    @Test
    void ofConcurrentCallsForParametersOnlyOneTokenStaysUsable() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(CONCURRENT_CALLS);
        try {
            for (int round = 0; round < CONCURRENT_ROUNDS; round++) {
                String keyId = createExternalKey(kms);
                CyclicBarrier start = new CyclicBarrier(CONCURRENT_CALLS);
                List<Future<GetParametersForImportResponse>> calls = new ArrayList<>();
                for (int i = 0; i < CONCURRENT_CALLS; i++) {
                    calls.add(callers.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return parameters(kms, keyId, SM2PKE, SM2);
                    }));
                }
                List<String> tokens = new ArrayList<>();
                for (Future<GetParametersForImportResponse> call : calls) {
                    tokens.add(call.get(60, TimeUnit.SECONDS).getImportToken());
                }
                // Garbage material gets past a live token's checks, to the unwrapping, and no further.
                List<String> answers = new ArrayList<>();
                for (String token : tokens) {
                    answers.add(Sdk.errorOf(() -> importMaterial(kms, keyId, Sdk.b64(newMaterial(139)), token, null)));
                }
                assertThat(answers).as("round %d", round).containsOnlyOnce("InvalidParameter.DecryptMaterialError")
                        .containsOnly("InvalidParameter.DecryptMaterialError", "ResourceUnavailable.TokenSuperseded");
                assertThat(tokens).doesNotHaveDuplicates();
            }
        } finally {
            callers.shutdownNow();
        }
    }

    // Seed 000, step 4: "一个令牌只能为其生成时指定的主密钥导入密钥材料"
    @Test
    void aTokenImportsOnlyIntoTheKeyItWasIssuedFor() throws Exception {
        String keyId = createExternalKey(kms);
        String other = createExternalKey(kms);
        byte[] material = newMaterial(32);
        GetParametersForImportResponse othersToken = rsaParameters(kms, other);
        String wrapped = wrapOaepSha256(othersToken.getPublicKey(), material);

        assertRefusedUnchanged(kms, keyId, "InvalidParameterValue.ImportTokenKeyMismatch",
                () -> importMaterial(kms, keyId, wrapped, othersToken.getImportToken(), null));

        importMaterial(kms, other, wrapped, othersToken.getImportToken(), null);
        assertThat(state(kms, other)).isEqualTo("Enabled");
        assertThat(state(kms, keyId)).isEqualTo("PendingImport");
    }

    @Test
    void aTokenThatGetParametersForImportNeverIssuedIsRefused() throws Exception {
        String keyId = createExternalKey(kms);
        GetParametersForImportResponse issued = rsaParameters(kms, keyId);
        String wrapped = wrapOaepSha256(issued.getPublicKey(), newMaterial(32));
        String madeUp = Sdk.b64(newMaterial(32));
        byte[] altered = Base64.getDecoder().decode(issued.getImportToken());
        altered[0] ^= 1;

        for (String token : new String[] {madeUp, Sdk.b64(altered), "not-a-token", issued.getImportToken() + "AAAA"}) {
            assertRefusedUnchanged(kms, keyId, "InvalidParameterValue.InvalidImportToken",
                    () -> importMaterial(kms, keyId, wrapped, token, null));
        }
        assertRefusedUnchanged(kms, keyId, "MissingParameter", () -> importMaterial(kms, keyId, wrapped, null, null));

        importMaterial(kms, keyId, wrapped, issued.getImportToken(), null);
        assertThat(state(kms, keyId)).isEqualTo("Enabled");
    }

    // Seed 000, step 4: "失效以后需要获取新的导入令牌和加密公钥"
    @Test
    void anExpiredTokenIsRefusedAndANewOneWorks() throws Exception {
        String keyId = createExternalKey(kms);
        byte[] material = newMaterial(32);
        GetParametersForImportResponse issued = rsaParameters(kms, keyId);
        // 24 hours pass: the server's own record of the token's validity is moved into the past
        // (the only change a day makes to it; the server reads the clock against it).
        int expired = server.bean(JdbcTemplate.class).update(
                "UPDATE kms_import_parameters SET valid_to = now() - interval '1 second' WHERE key_id = ?", keyId);
        assertThat(expired).isOne();

        assertRefusedUnchanged(kms, keyId, "ResourceUnavailable.TokenExpired", () -> importMaterial(kms, keyId,
                wrapOaepSha256(issued.getPublicKey(), material), issued.getImportToken(), null));
        Integer privateKeysLeft = server.bean(JdbcTemplate.class).queryForObject(
                "SELECT count(*) FROM kms_import_parameters WHERE key_id = ? AND wrapped_private_key IS NOT NULL",
                Integer.class, keyId);
        assertThat(privateKeysLeft).as("an expired wrapping private key is destroyed").isZero();
        assertRefusedUnchanged(kms, keyId, "ResourceUnavailable.TokenExpired", () -> importMaterial(kms, keyId,
                wrapOaepSha256(issued.getPublicKey(), material), issued.getImportToken(), null));

        GetParametersForImportResponse renewed = rsaParameters(kms, keyId);
        importMaterial(kms, keyId, wrapOaepSha256(renewed.getPublicKey(), material), renewed.getImportToken(), null);
        assertThat(state(kms, keyId)).isEqualTo("Enabled");
    }

    @Test
    void encryptedMaterialThatDoesNotUnwrapUnderTheTokensKeyIsRefused() throws Exception {
        String keyId = createExternalKey(kms);
        byte[] material = newMaterial(32);
        GetParametersForImportResponse issued = rsaParameters(kms, keyId);
        String token = issued.getImportToken();

        assertRefusedUnchanged(kms, keyId, "InvalidParameter.DecryptMaterialError",
                () -> importMaterial(kms, keyId, Sdk.b64(newMaterial(256)), token, null));
        assertRefusedUnchanged(kms, keyId, "InvalidParameter.DecryptMaterialError",
                () -> importMaterial(kms, keyId, Sdk.b64(newMaterial(32)), token, null));
        assertRefusedUnchanged(kms, keyId, "InvalidParameter.DecryptMaterialError",
                () -> importMaterial(kms, keyId, Sdk.b64(material), token, null));
        assertRefusedUnchanged(kms, keyId, "InvalidParameter.DecryptMaterialError",
                () -> importMaterial(kms, keyId, "%%% not base64 %%%", token, null));
        assertRefusedUnchanged(kms, keyId, "InvalidParameter.DecryptMaterialError",
                () -> importMaterial(kms, keyId, wrapPkcs1(issued.getPublicKey(), material), token, null));
        assertRefusedUnchanged(kms, keyId, "MissingParameter", () -> importMaterial(kms, keyId, null, token, null));

        importMaterial(kms, keyId, wrapOaepSha256(issued.getPublicKey(), material), token, null);
        assertThat(state(kms, keyId)).isEqualTo("Enabled");
    }

    // Seed 000, step 3: "国密版本 key material 长度必须为 128, FIPS 版本为 256"
    @Test
    void materialOfAnotherLengthThanTheKeySpecsIsRefused() throws Exception {
        String aes = createExternalKey(kms);
        String sm4 = createExternalSm4Key(kms);
        GetParametersForImportResponse aesParameters = rsaParameters(kms, aes);
        GetParametersForImportResponse sm4Parameters = rsaParameters(kms, sm4);

        for (int length : new int[] {16, 31, 33, 1}) {
            assertRefusedUnchanged(kms, aes, "InvalidParameterValue.InvalidKeyMaterialLength", () -> importMaterial(kms,
                    aes, wrapOaepSha256(aesParameters.getPublicKey(), newMaterial(length)), aesParameters.getImportToken(), null));
        }
        for (int length : new int[] {32, 15, 17}) {
            assertRefusedUnchanged(kms, sm4, "InvalidParameterValue.InvalidKeyMaterialLength", () -> importMaterial(kms,
                    sm4, wrapOaepSha256(sm4Parameters.getPublicKey(), newMaterial(length)), sm4Parameters.getImportToken(), null));
        }

        // RSAES_PKCS1_V1_5 answers a wrong length as unreadable: telling it apart from bad padding
        // would be a Bleichenbacher oracle on a wrapping key that lives 24 hours.
        GetParametersForImportResponse pkcs1 = parameters(kms, aes, PKCS1_V1_5, RSA_2048);
        assertRefusedUnchanged(kms, aes, "InvalidParameter.DecryptMaterialError", () -> importMaterial(kms, aes,
                wrapPkcs1(pkcs1.getPublicKey(), newMaterial(16)), pkcs1.getImportToken(), null));

        importMaterial(kms, aes, wrapPkcs1(pkcs1.getPublicKey(), newMaterial(32)), pkcs1.getImportToken(), null);
        importMaterial(kms, sm4, wrapOaepSha256(sm4Parameters.getPublicKey(), newMaterial(16)), sm4Parameters.getImportToken(), null);
        assertThat(decrypt(kms, encrypt(kms, aes, PAYLOAD, null), null)).isEqualTo(PAYLOAD);
        assertThat(decrypt(kms, encrypt(kms, sm4, PAYLOAD, null), null)).isEqualTo(PAYLOAD);
    }

    // Seed 000, "注意": the CMK is bound for good to the first material imported
    @Test
    void aKeyIsBoundToTheFirstMaterialImportedIntoIt() throws Exception {
        String keyId = createExternalKey(kms);
        byte[] material = newMaterial(32);
        byte[] different = newMaterial(32);
        GetParametersForImportResponse issued = rsaParameters(kms, keyId);
        importMaterial(kms, keyId, wrapOaepSha256(issued.getPublicKey(), material), issued.getImportToken(), null);
        String blob = encrypt(kms, keyId, PAYLOAD, null);

        assertRefusedUnchanged(kms, keyId, "InvalidParameterValue.MaterialNotMatch", () -> importMaterial(kms, keyId,
                wrapOaepSha256(issued.getPublicKey(), different), issued.getImportToken(), null));
        importMaterial(kms, keyId, wrapOaepSha256(issued.getPublicKey(), material), issued.getImportToken(), null);
        deleteMaterial(kms, keyId);
        assertRefusedUnchanged(kms, keyId, "InvalidParameterValue.MaterialNotMatch", () -> importMaterial(kms, keyId,
                wrapOaepSha256(issued.getPublicKey(), different), issued.getImportToken(), null));

        importMaterial(kms, keyId, wrapOaepSha256(issued.getPublicKey(), material), issued.getImportToken(), null);
        assertThat(state(kms, keyId)).isEqualTo("Enabled");
        assertThat(decrypt(kms, blob, null)).isEqualTo(PAYLOAD);
    }

    @Test
    void keysWhoseMaterialTheKmsMadeTakeNoImport() throws Exception {
        String keyId = Sdk.createKey(kms);
        String external = createExternalKey(kms);
        GetParametersForImportResponse othersToken = rsaParameters(kms, external);
        String wrapped = wrapOaepSha256(othersToken.getPublicKey(), newMaterial(32));

        assertRefusedUnchanged(kms, keyId, "UnsupportedOperation.NotExternalCmk", () -> rsaParameters(kms, keyId));
        assertRefusedUnchanged(kms, keyId, "UnsupportedOperation.NotExternalCmk",
                () -> importMaterial(kms, keyId, wrapped, othersToken.getImportToken(), null));
        assertRefusedUnchanged(kms, keyId, "UnsupportedOperation.NotExternalCmk", () -> deleteMaterial(kms, keyId));

        assertThat(decrypt(kms, encrypt(kms, keyId, PAYLOAD, null), null)).isEqualTo(PAYLOAD);
        assertThat(metadata(kms, keyId).getOrigin()).isEqualTo("TENCENT_KMS");
    }

    // Seed 000, "计划删除 CMK": a key pending deletion takes no material, and keeps what it has
    @Test
    void aKeyPendingDeletionRefusesEveryImportAction() throws Exception {
        String waiting = createExternalKey(kms);
        String imported = createExternalKey(kms);
        byte[] material = newMaterial(32);
        GetParametersForImportResponse waitingToken = rsaParameters(kms, waiting);
        GetParametersForImportResponse importedToken = rsaParameters(kms, imported);
        importMaterial(kms, imported, wrapOaepSha256(importedToken.getPublicKey(), material), importedToken.getImportToken(), null);
        for (String keyId : new String[] {waiting, imported}) {
            kms.call("ScheduleKeyDeletion", "{\"KeyId\":\"" + keyId + "\",\"PendingWindowInDays\":7}");
        }

        assertRefusedUnchanged(kms, waiting, "ResourceUnavailable.CmkStateNotSupport", () -> rsaParameters(kms, waiting));
        assertRefusedUnchanged(kms, waiting, "ResourceUnavailable.CmkStateNotSupport", () -> importMaterial(kms, waiting,
                wrapOaepSha256(waitingToken.getPublicKey(), material), waitingToken.getImportToken(), null));
        assertRefusedUnchanged(kms, imported, "ResourceUnavailable.CmkStateNotSupport", () -> importMaterial(kms, imported,
                wrapOaepSha256(importedToken.getPublicKey(), material), importedToken.getImportToken(), null));
        assertRefusedUnchanged(kms, imported, "ResourceUnavailable.CmkStateNotSupport", () -> deleteMaterial(kms, imported));

        kms.call("CancelKeyDeletion", "{\"KeyId\":\"" + waiting + "\"}");
        kms.call("CancelKeyDeletion", "{\"KeyId\":\"" + imported + "\"}");
        assertThat(state(kms, waiting)).isEqualTo("PendingImport");
        assertThat(state(kms, imported)).as("its material kept").isEqualTo("Enabled");
        importMaterial(kms, waiting, wrapOaepSha256(waitingToken.getPublicKey(), material), waitingToken.getImportToken(), null);
        assertThat(state(kms, waiting)).as("the token outlived the refusals").isEqualTo("Enabled");
    }

    @Test
    void validToMustBeAFutureUnixTimeOrZero() throws Exception {
        String keyId = createExternalKey(kms);
        byte[] material = newMaterial(32);
        GetParametersForImportResponse issued = rsaParameters(kms, keyId);
        String wrapped = wrapOaepSha256(issued.getPublicKey(), material);
        long now = Instant.now().getEpochSecond();

        for (long validTo : new long[] {now - 60, 1, -1, 253_402_300_800L, Long.MAX_VALUE}) {
            assertRefusedUnchanged(kms, keyId, "InvalidParameterValue",
                    () -> importMaterial(kms, keyId, wrapped, issued.getImportToken(), validTo));
        }
        importMaterial(kms, keyId, wrapped, issued.getImportToken(), null);
        long yearLater = now + Duration.ofDays(365).toSeconds();
        assertRefusedUnchanged(kms, keyId, "InvalidParameterValue",
                () -> importMaterial(kms, keyId, wrapped, issued.getImportToken(), now - 1));
        assertThat(metadata(kms, keyId).getValidTo()).isZero();

        importMaterial(kms, keyId, wrapped, issued.getImportToken(), yearLater);
        assertThat(metadata(kms, keyId).getValidTo()).isEqualTo(yearLater);
    }

    // Seed 001: RSA algorithms with RSA_2048, SM2PKE with SM2
    @Test
    void theWrappingAlgorithmMustFitTheWrappingKeySpec() throws Exception {
        String keyId = createExternalKey(kms);
        GetParametersForImportResponse issued = rsaParameters(kms, keyId);

        for (String[] unfit : new String[][] {{OAEP_SHA_256, SM2}, {OAEP_SHA_1, SM2}, {PKCS1_V1_5, SM2},
                {SM2PKE, RSA_2048}, {"RSAES_OAEP_SHA_512", RSA_2048}, {OAEP_SHA_256, "RSA_4096"},
                {"rsaes_oaep_sha_256", RSA_2048}}) {
            assertRefusedUnchanged(kms, keyId, "InvalidParameterValue", () -> parameters(kms, keyId, unfit[0], unfit[1]));
        }
        assertRefusedUnchanged(kms, keyId, "MissingParameter", () -> parameters(kms, keyId, null, RSA_2048));
        assertRefusedUnchanged(kms, keyId, "MissingParameter", () -> parameters(kms, keyId, OAEP_SHA_256, null));

        importMaterial(kms, keyId, wrapOaepSha256(issued.getPublicKey(), newMaterial(32)), issued.getImportToken(), null);
        assertThat(state(kms, keyId)).as("refused calls superseded nothing").isEqualTo("Enabled");
    }

    @Test
    void anotherAccountsKeyIsNotFoundForAnyImportAction() throws Exception {
        KmsClient stranger = Accounts.create(server, "byok-stranger").sdk();
        String keyId = createExternalKey(kms);
        String strangersKey = createExternalKey(stranger);
        byte[] material = newMaterial(32);
        GetParametersForImportResponse issued = rsaParameters(kms, keyId);
        String wrapped = wrapOaepSha256(issued.getPublicKey(), material);

        assertRefusedUnchanged(kms, keyId, "ResourceUnavailable.CmkNotFound", () -> rsaParameters(stranger, keyId));
        assertRefusedUnchanged(kms, keyId, "ResourceUnavailable.CmkNotFound",
                () -> importMaterial(stranger, keyId, wrapped, issued.getImportToken(), null));
        assertRefusedUnchanged(kms, keyId, "InvalidParameterValue.ImportTokenKeyMismatch",
                () -> importMaterial(stranger, strangersKey, wrapped, issued.getImportToken(), null));
        assertThat(state(stranger, strangersKey)).isEqualTo("PendingImport");

        importMaterial(kms, keyId, wrapped, issued.getImportToken(), null);
        assertRefusedUnchanged(kms, keyId, "ResourceUnavailable.CmkNotFound", () -> deleteMaterial(stranger, keyId));
        assertThat(state(kms, keyId)).isEqualTo("Enabled");
    }

    @Test
    void aKeyWithoutMaterialHasNoneToDelete() throws Exception {
        String keyId = createExternalKey(kms);

        assertRefusedUnchanged(kms, keyId, "ResourceUnavailable.CmkStateNotSupport", () -> deleteMaterial(kms, keyId));
        assertRefusedUnchanged(kms, keyId, "ResourceUnavailable.CmkStateNotSupport",
                () -> encrypt(kms, keyId, PAYLOAD, null));
    }

    @Test
    void anImportResetsValidToButLeavesADisabledKeyDisabled() throws Exception {
        String keyId = createExternalKey(kms);
        byte[] material = newMaterial(32);
        importMaterial(kms, keyId, material, null);
        kms.call("DisableKey", "{\"KeyId\":\"" + keyId + "\"}");

        long validTo = Instant.now().plus(Duration.ofDays(90)).getEpochSecond();
        importMaterial(kms, keyId, material, validTo);

        assertThat(state(kms, keyId)).isEqualTo("Disabled");
        assertThat(metadata(kms, keyId).getValidTo()).isEqualTo(validTo);
    }

    /** What no SDK sends: wrong JSON types and unknown fields. */
    @Test
    void malformedRequestsAreRefusedBeforeTouchingTheKey() throws Exception {
        Accounts account = Accounts.create(server, "byok-raw");
        String keyId = createExternalKey(account.sdk());
        GetParametersForImportResponse issued = rsaParameters(account.sdk(), keyId);
        String wrapped = wrapOaepSha256(issued.getPublicKey(), newMaterial(32));
        RawClient raw = account.raw();
        String keyAndMaterial = "\"KeyId\":\"" + keyId + "\",\"EncryptedKeyMaterial\":\"" + wrapped + "\"";
        String valid = keyAndMaterial + ",\"ImportToken\":\"" + issued.getImportToken() + "\"";

        assertThat(raw.call("ImportKeyMaterial", "{" + valid + ",\"ValidTo\":\"tomorrow\"}").errorCode())
                .isEqualTo("InvalidParameter");
        assertThat(raw.call("ImportKeyMaterial", "{" + valid + ",\"ValidTo\":-5}").errorCode())
                .isEqualTo("InvalidParameterValue");
        assertThat(raw.call("ImportKeyMaterial", "{" + keyAndMaterial + ",\"ImportToken\":42}").errorCode())
                .isEqualTo("InvalidParameter");
        assertThat(raw.call("ImportKeyMaterial", "{" + valid + ",\"Material\":\"x\"}").errorCode())
                .isEqualTo("UnknownParameter");
        assertThat(raw.call("ImportKeyMaterial", "{" + valid).errorCode()).isEqualTo("InvalidParameter");
        assertThat(raw.call("GetParametersForImport", "{\"KeyId\":\"" + keyId + "\",\"WrappingAlgorithm\":1,"
                + "\"WrappingKeySpec\":\"RSA_2048\"}").errorCode()).isEqualTo("InvalidParameter");
        assertThat(raw.call("DeleteImportedKeyMaterial", "{}").errorCode()).isEqualTo("MissingParameter");
        assertThat(state(account.sdk(), keyId)).isEqualTo("PendingImport");

        RawClient.Answer imported = raw.call("ImportKeyMaterial", "{" + valid + ",\"ValidTo\":0}");
        assertThat(imported.errorCode()).isNull();
        assertThat(imported.response().fieldNames()).toIterable().containsExactly("RequestId");
        assertThat(state(account.sdk(), keyId)).isEqualTo("Enabled");
    }
}
