package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.AsymmetricSteps.DECRYPT_RSA;
import static org.opencmk.kms.server.support.AsymmetricSteps.SIGN_ECC;
import static org.opencmk.kms.server.support.AsymmetricSteps.b64;
import static org.opencmk.kms.server.support.AsymmetricSteps.body;
import static org.opencmk.kms.server.support.AsymmetricSteps.ok;
import static org.opencmk.kms.server.support.AsymmetricSteps.unb64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tencentcloudapi.kms.v20190118.models.GetParametersForImportResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.MGF1ParameterSpec;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.audit.ApiCallLog;
import org.opencmk.kms.server.support.AsymmetricSteps;
import org.opencmk.kms.server.support.BlockingCalls;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.ImportSteps;
import org.opencmk.kms.server.support.KmsServer;
import org.opencmk.kms.server.support.LogCapture;
import org.opencmk.kms.server.support.RawClient;
import org.opencmk.kms.server.support.SharedKmsServer;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Issue 15, part 1: every call, management and cryptographic, answered or refused, authentication
 * failures included, has its record committed to {@code kms_audit_record} before it is answered
 * (each call is looked up in the table right after its answer, with no waiting); the record has
 * the issue's fields and never a secret; concurrent records share commits; a record that cannot
 * be committed holds the answer back, and after its attempts turns it into InternalError; {@code
 * kms.audit.durable=false} writes nothing; records survive a restart. No value a caller sends (a
 * NUL character) can make a record uncommittable and fail other accounts' calls with it.
 *
 * <p>The table is read with a connection of the test's own (the server's pool), so a row read
 * here is a committed row.
 */
class DurableAuditIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PLAINTEXT = "durable audit plaintext 5c1e9b-never-recorded";
    private static final Duration CLOSE_TO_NOW = Duration.ofSeconds(10);

    private static KmsServer shared;
    private static JdbcTemplate db;
    private static Accounts alice;
    private static String aliceKey;
    /** A server of this class's own, whose audit table the tests break and mend, and which they restart. */
    private static KmsServer own;

    @BeforeAll
    static void start() throws Exception {
        shared = SharedKmsServer.get();
        db = shared.bean(JdbcTemplate.class);
        alice = Accounts.create(shared, "durable-audit");
        aliceKey = ok(alice.raw(), "CreateKey", body("Alias", "durable-audit")).path("KeyId").asText();
        own = KmsServer.start(Map.of());
    }

    @AfterAll
    static void stop() {
        if (own != null) {
            own.close();
        }
    }

    // ---- 1. every call has exactly one committed record, with the issue's fields, once answered ----

    @Test
    void everyCallHasExactlyOneCommittedRecordTheMomentItIsAnswered() throws Exception {
        RawClient raw = alice.raw();
        Set<String> recordIds = new HashSet<>();

        RawClient.Answer created = raw.call("CreateKey",
                "{\"Alias\":\"durable-audit-created\",\"Description\":\"made for the record\",\"KeyUsage\":\"ENCRYPT_DECRYPT\"}");
        JsonNode createKey = recordOf(shared, created);
        String newKey = created.response().path("KeyId").asText();
        assertIdentified(createKey, created, "CreateKey", recordIds);
        assertCaller(createKey, alice);
        assertThat(createKey.path("outcome").asText()).isEqualTo("Success");
        assertThat(createKey.path("keyId").asText()).as("the new key's id").isEqualTo(newKey);
        assertThat(createKey.path("parameters")).isEqualTo(JSON.readTree(
                "{\"Alias\":\"durable-audit-created\",\"Description\":\"made for the record\",\"KeyUsage\":\"ENCRYPT_DECRYPT\"}"));

        String context = "{\"purpose\":\"durable-audit\"}";
        RawClient.Answer sealed = AsymmetricSteps.call(raw, "Encrypt", body("KeyId", "durable-audit",
                "Plaintext", b64(PLAINTEXT.getBytes(StandardCharsets.UTF_8)), "EncryptionContext", context));
        assertThat(sealed.errorCode()).isNull();
        JsonNode encrypt = recordOf(shared, sealed);
        assertIdentified(encrypt, sealed, "Encrypt", recordIds);
        assertCaller(encrypt, alice);
        assertThat(encrypt.path("outcome").asText()).isEqualTo("Success");
        assertThat(encrypt.path("keyId").asText()).as("the key behind the alias").isEqualTo(aliceKey);
        assertThat(encrypt.path("keyVersionId").asText()).isNotBlank()
                .isEqualTo(sealed.response().path("KeyVersionId").asText());
        assertThat(encrypt.path("parameters")).as("KeyId and EncryptionContext; never Plaintext")
                .isEqualTo(JSON.valueToTree(Map.of("KeyId", "durable-audit", "EncryptionContext", context)));
        assertThat(encrypt.has("requestedKey")).as("the key was resolved").isFalse();

        String blob = sealed.response().path("CiphertextBlob").asText();
        RawClient.Answer opened = AsymmetricSteps.call(raw, "Decrypt", body("CiphertextBlob", blob,
                "EncryptionContext", context));
        assertThat(opened.errorCode()).isNull();
        JsonNode decrypt = recordOf(shared, opened);
        assertIdentified(decrypt, opened, "Decrypt", recordIds);
        assertCaller(decrypt, alice);
        assertThat(decrypt.path("outcome").asText()).isEqualTo("Success");
        assertThat(decrypt.path("keyId").asText()).as("the key the ciphertext named").isEqualTo(aliceKey);
        assertThat(decrypt.path("keyVersionId").asText()).isEqualTo(encrypt.path("keyVersionId").asText());
        assertThat(decrypt.path("parameters")).as("never the CiphertextBlob")
                .isEqualTo(JSON.valueToTree(Map.of("EncryptionContext", context)));

        RawClient.Answer refused = raw.call("Encrypt", "{\"KeyId\":\"no-such-key-for-the-record\",\"Plaintext\":\""
                + b64(PLAINTEXT.getBytes(StandardCharsets.UTF_8)) + "\"}");
        assertThat(refused.errorCode()).isNotNull();
        JsonNode refusal = recordOf(shared, refused);
        assertIdentified(refusal, refused, "Encrypt", recordIds);
        assertCaller(refusal, alice);
        assertThat(refusal.path("outcome").asText()).isEqualTo(refused.errorCode())
                .isEqualTo("ResourceUnavailable.CmkNotFound");
        assertThat(refusal.path("requestedKey").asText()).isEqualTo("no-such-key-for-the-record");
        assertThat(refusal.has("keyId")).isFalse();
        assertThat(refusal.has("keyVersionId")).isFalse();

        String unknownSecretId = "AKIDnoSuchCredentialForTheDurableAudit01";
        RawClient.Answer unknown = shared.raw(unknownSecretId, "whatever-key").call("Encrypt",
                "{\"KeyId\":\"" + aliceKey + "\",\"Plaintext\":\"" + b64(PLAINTEXT.getBytes(StandardCharsets.UTF_8)) + "\"}");
        assertThat(unknown.errorCode()).isEqualTo("AuthFailure.SecretIdNotFound");
        JsonNode unknownRecord = recordOf(shared, unknown);
        assertIdentified(unknownRecord, unknown, "Encrypt", recordIds);
        assertThat(unknownRecord.path("outcome").asText()).isEqualTo("AuthFailure.SecretIdNotFound");
        assertThat(unknownRecord.path("secretId").asText()).as("the SecretId as sent").isEqualTo(unknownSecretId);
        assertThat(unknownRecord.has("accountId")).as("no one was authenticated").isFalse();
        assertThat(unknownRecord.has("keyId")).isFalse();
        assertThat(unknownRecord.has("parameters")).as("the body of an unauthenticated call is not read").isFalse();

        RawClient.Answer forged = alice.raw().call("Encrypt", ("{\"KeyId\":\"" + aliceKey + "\",\"Plaintext\":\""
                + b64(PLAINTEXT.getBytes(StandardCharsets.UTF_8)) + "\"}").getBytes(StandardCharsets.UTF_8),
                Instant.now().getEpochSecond(), "not-alices-secret-key", "127.0.0.1:" + shared.port());
        assertThat(forged.errorCode()).isEqualTo("AuthFailure.SignatureFailure");
        JsonNode forgedRecord = recordOf(shared, forged);
        assertIdentified(forgedRecord, forged, "Encrypt", recordIds);
        assertThat(forgedRecord.path("outcome").asText()).isEqualTo("AuthFailure.SignatureFailure");
        assertThat(forgedRecord.path("secretId").asText()).isEqualTo(alice.secretId());
        assertThat(forgedRecord.has("accountId")).as("the signature did not authenticate anyone").isFalse();

        RawClient.Answer noSuchAction = raw.call("EncryptEverything", "{}");
        assertThat(noSuchAction.errorCode()).isEqualTo("InvalidAction");
        JsonNode invalidAction = recordOf(shared, noSuchAction);
        assertIdentified(invalidAction, noSuchAction, "EncryptEverything", recordIds);
        assertCaller(invalidAction, alice);
        assertThat(invalidAction.path("outcome").asText()).isEqualTo("InvalidAction");

        RawClient.Answer listed = raw.call("ListKeys", "{\"Limit\":5}");
        JsonNode listKeys = recordOf(shared, listed);
        assertIdentified(listKeys, listed, "ListKeys", recordIds);
        assertThat(listKeys.path("outcome").asText()).isEqualTo("Success");
        assertThat(listKeys.path("parameters")).isEqualTo(JSON.readTree("{\"Limit\":5}"));
    }

    // ---- 2. no record holds a secret ----

    @Test
    void noRecordHoldsASecret() throws Exception {
        List<byte[]> secretBytes = new ArrayList<>();
        List<String> secretTexts = new ArrayList<>();
        try (LogCapture log = LogCapture.start()) {
            Accounts bob = Accounts.create(shared, "durable-audit-secrets");
            RawClient raw = bob.raw();
            secretTexts.add(bob.secretKey());
            secretTexts.add(KmsServer.BOOTSTRAP_SECRET_KEY);
            String key = ok(raw, "CreateKey", body("Description", "secrets workload")).path("KeyId").asText();
            List<String> answered = new ArrayList<>();

            // Encrypt and Decrypt
            byte[] plaintext = "secrets workload plaintext 0b7d3e-never-recorded".getBytes(StandardCharsets.UTF_8);
            secretBytes.add(plaintext);
            JsonNode sealed = ok(raw, "Encrypt", body("KeyId", key, "Plaintext", b64(plaintext)));
            secretTexts.add(sealed.path("CiphertextBlob").asText());
            JsonNode opened = ok(raw, "Decrypt", body("CiphertextBlob", sealed.path("CiphertextBlob").asText()));
            assertThat(unb64(opened.path("Plaintext").asText())).isEqualTo(plaintext);
            answered.add(opened.path("RequestId").asText());

            // GenerateDataKey and GenerateRandom
            JsonNode dataKey = ok(raw, "GenerateDataKey", body("KeyId", key, "KeySpec", "AES_256"));
            secretBytes.add(unb64(dataKey.path("Plaintext").asText()));
            secretTexts.add(dataKey.path("CiphertextBlob").asText());
            JsonNode random = ok(raw, "GenerateRandom", body("NumberOfBytes", 32));
            secretBytes.add(unb64(random.path("Plaintext").asText()));

            // GetParametersForImport and ImportKeyMaterial
            String external = ImportSteps.createExternalKey(bob.sdk());
            byte[] material = ImportSteps.newMaterial(32);
            secretBytes.add(material);
            GetParametersForImportResponse parameters = ImportSteps.rsaParameters(bob.sdk(), external);
            String wrapped = ImportSteps.wrapOaepSha256(parameters.getPublicKey(), material);
            secretTexts.add(parameters.getImportToken());
            secretTexts.add(wrapped);
            ImportSteps.importMaterial(bob.sdk(), external, wrapped, parameters.getImportToken(), 0L);
            assertThat(ImportSteps.state(bob.sdk(), external)).isEqualTo("Enabled");

            // SignByAsymmetricKey and AsymmetricRsaDecrypt
            String signer = AsymmetricSteps.createKey(bob.sdk(), SIGN_ECC);
            byte[] message = "secrets workload message to sign 9a41c7".getBytes(StandardCharsets.UTF_8);
            secretBytes.add(message);
            JsonNode signed = ok(raw, "SignByAsymmetricKey", AsymmetricSteps.eccSign(signer, null, message));
            secretTexts.add(signed.path("Signature").asText());
            assertThat(ok(raw, "VerifyByAsymmetricKey", AsymmetricSteps.eccVerify(signer, null, message,
                    signed.path("Signature").asText())).path("SignatureValid").asBoolean()).isTrue();
            String decrypter = AsymmetricSteps.createKey(bob.sdk(), DECRYPT_RSA);
            byte[] asymmetricSecret = "secrets workload RSA plaintext 6e02f8".getBytes(StandardCharsets.UTF_8);
            secretBytes.add(asymmetricSecret);
            byte[] rsaCiphertext = AsymmetricSteps.rsaOaepSha256Encrypt(
                    unb64(ok(raw, "GetPublicKey", body("KeyId", decrypter)).path("PublicKey").asText()), asymmetricSecret);
            secretBytes.add(rsaCiphertext);
            JsonNode rsaOpened = ok(raw, "AsymmetricRsaDecrypt", body("KeyId", decrypter, "Ciphertext", b64(rsaCiphertext),
                    "Algorithm", "RSAES_OAEP_SHA_256"));
            assertThat(unb64(rsaOpened.path("Plaintext").asText())).isEqualTo(asymmetricSecret);

            // Decrypt with EncryptionPublicKey: the plaintext comes back under the caller's own key
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair callers = generator.generateKeyPair();
            String callersDer = b64(callers.getPublic().getEncoded());
            String callersPem = "-----BEGIN PUBLIC KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(
                            callers.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
            // a piece of the modulus within one line of the PEM's body: as the PEM or the DER would show it
        secretTexts.add(callersDer.substring(130, 190));
            JsonNode underPublicKey = ok(raw, "Decrypt", body("CiphertextBlob", sealed.path("CiphertextBlob").asText(),
                    "EncryptionPublicKey", callersPem, "EncryptionAlgorithm", "RSAES_OAEP_SHA_256"));
            byte[] encryptedForCaller = unb64(underPublicKey.path("Plaintext").asText());
            secretBytes.add(encryptedForCaller);
            Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
            oaep.init(Cipher.DECRYPT_MODE, callers.getPrivate(), new OAEPParameterSpec("SHA-256", "MGF1",
                    MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT));
            assertThat(oaep.doFinal(encryptedForCaller)).as("the caller's private key opens it").isEqualTo(plaintext);

            // CreateCredential: the answer carries a SecretKey
            JsonNode credential = JSON.readTree(shared.adminClient().call("CreateCredential",
                    "{\"AccountId\":" + bob.accountId() + "}")).path("Response");
            assertThat(credential.path("SecretKey").asText()).isNotBlank();
            secretTexts.add(credential.path("SecretKey").asText());
            answered.add(credential.path("RequestId").asText());

            List<String> secrets = new ArrayList<>(secretTexts);
            for (byte[] bytes : secretBytes) {
                secrets.add(Base64.getEncoder().encodeToString(bytes));
                secrets.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
                secrets.add(HexFormat.of().formatHex(bytes));
                secrets.add(HexFormat.of().formatHex(bytes).toUpperCase(Locale.ROOT));
                secrets.add(new String(bytes, StandardCharsets.ISO_8859_1));
                secrets.add(new String(bytes, StandardCharsets.UTF_8));
            }
            for (String text : secretTexts) {
                secrets.add(HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8)));
                secrets.add(b64(text.getBytes(StandardCharsets.UTF_8)));
            }

            List<String> rows = db.queryForList("SELECT record::text FROM kms_audit_record", String.class);
            List<String> bobs = db.queryForList("SELECT record->>'action' FROM kms_audit_record WHERE (record->>'accountId')::bigint = ?"
                    + " AND record->>'outcome' = 'Success'", String.class, bob.accountId());
            assertThat(bobs).as("the workload was recorded").contains("Encrypt", "Decrypt", "GenerateDataKey",
                    "GenerateRandom", "GetParametersForImport", "ImportKeyMaterial", "SignByAsymmetricKey",
                    "VerifyByAsymmetricKey", "AsymmetricRsaDecrypt", "GetPublicKey", "CreateKey");
            assertThat(rows).as("records of CreateCredential").anySatisfy(row -> assertThat(row)
                    .contains(credential.path("RequestId").asText()).contains(credential.path("SecretId").asText()));
            assertThat(holdingASecret(rows, secrets)).as("records holding a secret").isEmpty();
            // the lines are written apart from the records, by a thread of their own: one more call, to see them all
            RawClient.Answer last = raw.call("GenerateRandom", "{\"NumberOfBytes\":16}");
            log.auditLine(last.response().path("RequestId").asText());
            for (String requestId : answered) {
                log.auditLine(requestId);
            }
            List<String> lines = log.lines();
            assertThat(lines).as("the workload's lines").hasSizeGreaterThan(answered.size());
            assertThat(holdingASecret(lines, secrets)).as("log lines holding a secret").isEmpty();
        }
    }

    // ---- 3. group commit ----

    @Test
    void concurrentRecordsShareCommits() throws Exception {
        ApiCallLog callLog = shared.bean(ApiCallLog.class);
        int calls = 400;
        int clients = 100;
        String body = "{\"KeyId\":\"" + aliceKey + "\",\"Plaintext\":\"" + b64("grouped".getBytes(StandardCharsets.UTF_8)) + "\"}";
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            // every client connected first, so that the burst is calls, not connection set-ups
            List<Future<RawClient.Answer>> warmUp = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                warmUp.add(pool.submit(() -> alice.raw().call("GenerateRandom", "{\"NumberOfBytes\":16}")));
            }
            for (Future<RawClient.Answer> answer : warmUp) {
                answer.get(60, TimeUnit.SECONDS);
            }
            long commitsBefore = callLog.commits();
            long recordsBefore = callLog.committedRecords();
            CountDownLatch go = new CountDownLatch(1);
            List<Future<RawClient.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return alice.raw().call("Encrypt", body);
                }));
            }
            go.countDown();
            List<String> requestIds = new ArrayList<>();
            for (Future<RawClient.Answer> answer : answers) {
                RawClient.Answer done = answer.get(60, TimeUnit.SECONDS);
                assertThat(done.errorCode()).as("%s", done.response()).isNull();
                assertThat(done.response().path("CiphertextBlob").asText()).isNotBlank();
                requestIds.add(done.response().path("RequestId").asText());
            }
            long commits = callLog.commits() - commitsBefore;
            long records = callLog.committedRecords() - recordsBefore;
            assertThat(records).as("every call's record committed").isEqualTo(calls);
            assertThat(commits).as("%d records in %d commits", records, commits).isLessThanOrEqualTo(records / 2);
            Integer rows = db.queryForObject("SELECT count(*) FROM kms_audit_record WHERE record->>'requestId' = ANY (?)",
                    Integer.class, (Object) requestIds.toArray(String[]::new));
            assertThat(rows).as("one row per call").isEqualTo(calls);
            // Recording a call never parks the event loop that answered it.
            BlockingCalls.requireNone();
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- 4. no answer without its record ----

    @Test
    void anAnswerWaitsForItsRecordToBeCommitted() throws Exception {
        String key = ok(alice.raw(), "CreateKey", body("Description", "waits for its record")).path("KeyId").asText();
        String body = "{\"KeyId\":\"" + key + "\",\"Plaintext\":\"" + b64(PLAINTEXT.getBytes(StandardCharsets.UTF_8)) + "\"}";
        try (LogCapture log = LogCapture.start(); Connection locker = db.getDataSource().getConnection()) {
            locker.setAutoCommit(false);
            CompletableFuture<RawClient.Answer> answer;
            try (Statement lock = locker.createStatement()) {
                lock.execute("LOCK TABLE kms_audit_record IN ACCESS EXCLUSIVE MODE");
                answer = CompletableFuture.supplyAsync(() -> alice.raw().call("Encrypt", body));
                // The call was handled (its log line is written before its record's commit) ...
                awaitLine(log, line -> key.equals(line.path("keyId").asText()));
                Thread.sleep(1_000);
                // ... but is not answered while its record cannot be committed.
                assertThat(answer).as("answered before its record was committed").isNotDone();
            } finally {
                locker.rollback();
            }
            RawClient.Answer sealed = answer.get(10, TimeUnit.SECONDS);
            assertThat(sealed.errorCode()).isNull();
            assertThat(sealed.response().path("CiphertextBlob").asText()).isNotBlank();
            assertThat(recordOf(shared, sealed).path("keyId").asText()).isEqualTo(key);
        }
    }

    /**
     * A NUL character (U+0000) is valid in a JSON string, and PostgreSQL's jsonb refuses it
     * ("unsupported Unicode escape sequence"). A record carrying one a caller sent (its KeyId,
     * say) must be committed all the same, and must not fail the records committed with it:
     * another account's call in the same group.
     */
    @Test
    void aNulCharacterACallerSentFailsNeitherItsCallNorAnotherAccountsInTheSameCommit() throws Exception {
        Accounts mallory = Accounts.create(shared, "durable-audit-nul");
        String poisonedKey = "no-such-key\u0000-with-a-nul";
        byte[] plaintext = PLAINTEXT.getBytes(StandardCharsets.UTF_8);
        CompletableFuture<RawClient.Answer> blocker;
        CompletableFuture<RawClient.Answer> poisoned;
        CompletableFuture<RawClient.Answer> innocent;
        String blockerKey = ok(alice.raw(), "CreateKey", body("Description", "first group")).path("KeyId").asText();
        try (LogCapture log = LogCapture.start(); Connection locker = db.getDataSource().getConnection()) {
            locker.setAutoCommit(false);
            try (Statement lock = locker.createStatement()) {
                lock.execute("LOCK TABLE kms_audit_record IN ACCESS EXCLUSIVE MODE");
                // The committer takes the first record alone and waits for the lock; the next two
                // gather meanwhile and are committed together.
                blocker = CompletableFuture.supplyAsync(() -> AsymmetricSteps.call(alice.raw(), "Encrypt",
                        body("KeyId", blockerKey, "Plaintext", b64(plaintext))));
                awaitLine(log, line -> blockerKey.equals(line.path("keyId").asText()));
                Thread.sleep(200);
                poisoned = CompletableFuture.supplyAsync(() -> AsymmetricSteps.call(mallory.raw(), "Encrypt",
                        body("KeyId", poisonedKey, "Plaintext", b64(plaintext))));
                innocent = CompletableFuture.supplyAsync(() -> AsymmetricSteps.call(alice.raw(), "Encrypt",
                        body("KeyId", aliceKey, "Plaintext", b64(plaintext))));
                awaitLine(log, line -> line.path("requestedKey").asText().startsWith("no-such-key"));
                awaitLine(log, line -> aliceKey.equals(line.path("keyId").asText()));
                Thread.sleep(200);
            } finally {
                locker.rollback();
            }
        }
        assertThat(blocker.get(20, TimeUnit.SECONDS).errorCode()).isNull();
        RawClient.Answer innocentAnswer = innocent.get(20, TimeUnit.SECONDS);
        assertThat(innocentAnswer.errorCode()).as("another account's call: %s", innocentAnswer.response()).isNull();
        assertThat(innocentAnswer.response().path("CiphertextBlob").asText()).isNotBlank();
        RawClient.Answer poisonedAnswer = poisoned.get(20, TimeUnit.SECONDS);
        assertThat(poisonedAnswer.errorCode()).as("%s", poisonedAnswer.response())
                .isEqualTo("ResourceUnavailable.CmkNotFound");
        JsonNode record = recordOf(shared, poisonedAnswer);
        assertThat(record.path("outcome").asText()).isEqualTo("ResourceUnavailable.CmkNotFound");
        assertThat(record.path("requestedKey").asText()).as("the NUL replaced")
                .isEqualTo("no-such-key\uFFFD-with-a-nul");
        assertThat(recordOf(shared, innocentAnswer).path("outcome").asText()).isEqualTo("Success");

        // nor does half a surrogate pair, as a JSON escape
        RawClient.Answer halfAPair = mallory.raw().call("Encrypt",
                "{\"KeyId\":\"no-such-key-\\ud800-half-a-pair\",\"Plaintext\":\"" + b64(plaintext) + "\"}");
        assertThat(halfAPair.errorCode()).as("%s", halfAPair.response()).isEqualTo("ResourceUnavailable.CmkNotFound");
        assertThat(recordOf(shared, halfAPair).path("requestedKey").asText()).startsWith("no-such-key-")
                .endsWith("-half-a-pair");
    }

    @Test
    void aRecordThatCannotBeCommittedTurnsItsAnswerIntoInternalError() throws Exception {
        RawClient admin = own.rawAdmin();
        JdbcTemplate ownDb = own.bean(JdbcTemplate.class);
        String key = ok(admin, "CreateKey", body("Description", "never answered unaudited")).path("KeyId").asText();
        String encrypt = "{\"KeyId\":\"" + key + "\",\"Plaintext\":\"" + b64(PLAINTEXT.getBytes(StandardCharsets.UTF_8)) + "\"}";
        RawClient.Answer refused;
        ownDb.execute("ALTER TABLE kms_audit_record RENAME TO kms_audit_record_gone");
        try {
            long started = System.nanoTime();
            refused = admin.call("Encrypt", encrypt);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered after the commit's attempts")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(refused.errorCode()).as("%s", refused.response()).isEqualTo("InternalError");
            assertThat(refused.response().path("Error").path("Message").asText()).isEqualTo("the call could not be audited");
            assertThat(refused.response().path("RequestId").asText()).isNotBlank();
            assertThat(refused.response().has("CiphertextBlob")).as("no ciphertext leaves unaudited").isFalse();
            assertThat(refused.response().has("KeyId")).isFalse();
            assertThat(refused.response().has("KeyVersionId")).isFalse();
        } finally {
            ownDb.execute("ALTER TABLE kms_audit_record_gone RENAME TO kms_audit_record");
        }
        RawClient.Answer sealed = admin.call("Encrypt", encrypt);
        assertThat(sealed.errorCode()).as("audited again once the table is back").isNull();
        assertThat(sealed.response().path("CiphertextBlob").asText()).isNotBlank();
        assertThat(recordOf(own, sealed).path("outcome").asText()).isEqualTo("Success");
        assertThat(rowsOf(own, refused.response().path("RequestId").asText())).as("no record, and no answer").isEmpty();
    }

    // ---- 5. the benchmark's switch ----

    @Test
    void notDurableWritesNoRecordsAndStillAnswers() throws Exception {
        try (KmsServer notDurable = KmsServer.start(Map.of("kms.audit.durable", "false"));
             LogCapture log = LogCapture.start()) {
            RawClient admin = notDurable.rawAdmin();
            String key = ok(admin, "CreateKey", body("Description", "not durably audited")).path("KeyId").asText();
            JsonNode sealed = ok(admin, "Encrypt", body("KeyId", key, "Plaintext", b64(PLAINTEXT.getBytes(StandardCharsets.UTF_8))));
            JsonNode opened = ok(admin, "Decrypt", body("CiphertextBlob", sealed.path("CiphertextBlob").asText()));
            assertThat(unb64(opened.path("Plaintext").asText())).isEqualTo(PLAINTEXT.getBytes(StandardCharsets.UTF_8));
            assertThat(notDurable.raw("AKIDnoSuchCredentialForTheDurableAudit02", "x").call("ListKeys", "{}").errorCode())
                    .isEqualTo("AuthFailure.SecretIdNotFound");

            assertThat(notDurable.bean(JdbcTemplate.class).queryForObject("SELECT count(*) FROM kms_audit_record", Long.class))
                    .as("nothing is written to the table").isZero();
            assertThat(notDurable.bean(ApiCallLog.class).commits()).isZero();
            assertThat(log.auditLine(opened.path("RequestId").asText()).path("keyId").asText())
                    .as("the log line is still written").isEqualTo(key);
        }
    }

    // ---- 6. records survive a restart ----

    @Test
    void recordsSurviveARestart() throws Exception {
        RawClient admin = own.rawAdmin();
        List<RawClient.Answer> calls = new ArrayList<>();
        RawClient.Answer created = admin.call("CreateKey", "{\"Description\":\"outlives its server\"}");
        calls.add(created);
        calls.add(admin.call("Encrypt", "{\"KeyId\":\"" + created.response().path("KeyId").asText() + "\",\"Plaintext\":\""
                + b64(PLAINTEXT.getBytes(StandardCharsets.UTF_8)) + "\"}"));
        calls.add(admin.call("DisableKey", "{\"KeyId\":\"no-such-key-before-the-restart\"}"));
        List<String> before = new ArrayList<>();
        for (RawClient.Answer call : calls) {
            before.add(recordOf(own, call).toString());
        }

        own.restart();

        for (int i = 0; i < calls.size(); i++) {
            assertThat(recordOf(own, calls.get(i)).toString()).as("the record after the restart").isEqualTo(before.get(i));
        }
        RawClient.Answer after = own.rawAdmin().call("DescribeKey",
                "{\"KeyId\":\"" + created.response().path("KeyId").asText() + "\"}");
        assertThat(after.errorCode()).isNull();
        assertThat(recordOf(own, after).path("keyId").asText()).isEqualTo(created.response().path("KeyId").asText());
    }

    // ---- helpers ----

    /** The one committed record of the call that got this answer, read at once. */
    private static JsonNode recordOf(KmsServer server, RawClient.Answer answer) throws Exception {
        String requestId = answer.response().path("RequestId").asText();
        assertThat(requestId).as("the answer has a RequestId: %s", answer.response()).isNotBlank();
        List<Map<String, Object>> rows = rowsOf(server, requestId);
        assertThat(rows).as("committed records of request %s", requestId).hasSize(1);
        Map<String, Object> row = rows.get(0);
        JsonNode record = JSON.readTree((String) row.get("record"));
        assertThat(row.get("record_id").toString()).as("record_id").isEqualTo(record.path("recordId").asText());
        assertThat(Duration.between(((java.sql.Timestamp) row.get("recorded_at")).toInstant(),
                Instant.parse(record.path("time").asText())).abs()).as("recorded_at is the record's time")
                .isLessThanOrEqualTo(Duration.ofNanos(1_000));
        return record;
    }

    private static List<Map<String, Object>> rowsOf(KmsServer server, String requestId) {
        return server.bean(JdbcTemplate.class).queryForList(
                "SELECT record_id, recorded_at, record::text AS record FROM kms_audit_record WHERE record->>'requestId' = ?",
                requestId);
    }

    /** schemaVersion, a fresh recordId, time, requestId, action and sourceAddress. */
    private static void assertIdentified(JsonNode record, RawClient.Answer answer, String action, Set<String> recordIds) {
        assertThat(record.path("schemaVersion").asInt()).isEqualTo(1);
        String recordId = record.path("recordId").asText();
        assertThat(UUID.fromString(recordId).toString()).isEqualTo(recordId);
        assertThat(recordIds.add(recordId)).as("recordId %s is unique", recordId).isTrue();
        Instant time = Instant.parse(record.path("time").asText());
        assertThat(record.path("time").asText()).as("ISO-8601 in UTC").endsWith("Z");
        assertThat(Duration.between(time, Instant.now()).abs()).isLessThan(CLOSE_TO_NOW);
        assertThat(record.path("requestId").asText()).isEqualTo(answer.response().path("RequestId").asText());
        assertThat(record.path("action").asText()).isEqualTo(action);
        assertThat(record.path("sourceAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(record.path("micros").isIntegralNumber()).isTrue();
        assertThat(record.has("outcome")).isTrue();
    }

    private static void assertCaller(JsonNode record, Accounts account) {
        assertThat(record.path("accountId").asLong()).isEqualTo(account.accountId());
        assertThat(record.path("secretId").asText()).isEqualTo(account.secretId());
    }

    /** The texts that hold any of the secrets (never the secret itself: a failure must not print it). */
    private static List<String> holdingASecret(List<String> texts, List<String> secrets) {
        List<String> found = new ArrayList<>();
        for (String text : texts) {
            for (int i = 0; i < secrets.size(); i++) {
                if (text.contains(secrets.get(i))) {
                    String masked = text;
                    for (String secret : secrets) {
                        masked = masked.replace(secret, "<secret>");
                    }
                    found.add("secret #" + i + " in " + masked.substring(0, Math.min(300, masked.length())));
                }
            }
        }
        return found;
    }

    /** Waits for a kms.audit line that matches. */
    private static JsonNode awaitLine(LogCapture log, Predicate<JsonNode> matches) throws Exception {
        Instant giveUp = Instant.now().plusSeconds(10);
        while (Instant.now().isBefore(giveUp)) {
            for (String line : log.lines()) {
                if (line.startsWith("{\"schemaVersion\"")) {
                    JsonNode parsed = JSON.readTree(line);
                    if (matches.test(parsed)) {
                        return parsed;
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such audit line");
    }
}
