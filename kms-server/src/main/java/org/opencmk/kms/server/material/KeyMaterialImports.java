package org.opencmk.kms.server.material;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.opencmk.kms.command.material.DeleteImportedKeyMaterial;
import org.opencmk.kms.command.material.ImportKeyMaterial;
import org.opencmk.kms.crypto.RandomSource;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.hierarchy.KeyHierarchy;
import org.opencmk.kms.crypto.keystore.KeyMaterialUnavailableException;
import org.opencmk.kms.crypto.keystore.Keystore;
import org.opencmk.kms.crypto.material.ImportWrapping;
import org.opencmk.kms.crypto.material.UnreadableKeyMaterialException;
import org.opencmk.kms.crypto.material.WrappingAlgorithm;
import org.opencmk.kms.crypto.asymmetric.EncodedKeyPair;
import org.opencmk.kms.crypto.material.WrappingKeySpec;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeyState;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.KmsError;
import org.opencmk.kms.events.KmsException;
import org.opencmk.kms.events.MaterialFingerprint;
import org.opencmk.kms.events.Origin;
import org.opencmk.kms.events.WrappedKeyMaterial;
import org.opencmk.kms.query.keyview.KeyRecord;
import org.opencmk.kms.query.keyview.KeyVersion;
import org.opencmk.kms.server.lifecycle.KeyLifecycleService;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Bring your own key, seed 000's steps 2 and 4 and Tencent's DeleteImportedKeyMaterial. What the
 * user sends is unwrapped here; only the material wrapped under the CMK's key-encryption key and
 * its keyed fingerprint go on to the CMK aggregate, which decides.
 */
@Service
public class KeyMaterialImports {

    /** Seed 000, step 2: import parameters are valid for 24 hours. */
    public static final Duration PARAMETERS_VALID_FOR = Duration.ofHours(24);
    /** Random bytes of an ImportToken. */
    static final int TOKEN_BYTES = 32;
    /** The latest ValidTo accepted: 9999-12-31T23:59:59Z, beyond which a Unix time is not a date. */
    static final long MAX_VALID_TO = 253_402_300_799L;

    /** What GetParametersForImport answers. */
    public record ImportParameters(KeyId keyId, String importToken, byte[] publicKey, Instant parametersValidTo) {
        @Override
        public String toString() {
            return "ImportParameters[" + keyId + ", token redacted, valid to " + parametersValidTo + "]";
        }
    }

    private final KeyLifecycleService keys;
    private final KeyHierarchy keyHierarchy;
    private final Keystore keystore;
    private final CommandGateway commands;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final Clock clock;

    public KeyMaterialImports(KeyLifecycleService keys, KeyHierarchy keyHierarchy, Keystore keystore,
                              CommandGateway commands, JdbcTemplate jdbc, TransactionTemplate transaction, Clock clock) {
        this.keys = keys;
        this.keyHierarchy = keyHierarchy;
        this.keystore = keystore;
        this.commands = commands;
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.clock = clock;
    }

    /**
     * Destroys the wrapping private keys whose 24 hours are over, also for keys nobody calls the
     * import actions of again. Any node may do it; it is idempotent.
     */
    @Scheduled(fixedDelayString = "PT10M", initialDelayString = "PT1M")
    public void destroyExpiredWrappingKeys() {
        destroyExpired(clock.instant());
    }

    /**
     * A fresh wrapping key pair and ImportToken for an EXTERNAL CMK, valid 24 hours and reusable
     * until then; every earlier token and wrapping key of the CMK stops working, and its private
     * key is destroyed.
     */
    public ImportParameters parametersForImport(AccountId account, String keyIdOrAlias, String wrappingAlgorithm,
                                                String wrappingKeySpec) {
        KeyRecord key = externalKey(account, keyIdOrAlias);
        WrappingAlgorithm algorithm = parse(WrappingAlgorithm.class, wrappingAlgorithm, "WrappingAlgorithm");
        WrappingKeySpec spec = parse(WrappingKeySpec.class, wrappingKeySpec, "WrappingKeySpec");
        if (!algorithm.fits(spec)) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE,
                    "WrappingAlgorithm " + algorithm + " does not fit WrappingKeySpec " + spec);
        }
        byte[] tokenBytes = RandomSource.randomBytes(TOKEN_BYTES);
        String token = Base64.getEncoder().encodeToString(tokenBytes);
        byte[] tokenHash = sha256(tokenBytes);
        Instant now = clock.instant();
        Instant validTo = now.plus(PARAMETERS_VALID_FOR);
        try (EncodedKeyPair pair = ImportWrapping.generate(spec)) {
            byte[] wrappedPrivateKey = keystore.wrapSecret(purpose(key.keyId(), tokenHash), pair.privateKey());
            transaction.executeWithoutResult(status -> {
                // Calls for the same key take turns (on every node): without this, two overlapping
                // calls each supersede only what was committed before them, and both tokens live on.
                jdbc.query("SELECT pg_advisory_xact_lock(hashtext(?))", rs -> { },
                        "kms_import_parameters/" + key.keyId().value());
                jdbc.update("UPDATE kms_import_parameters SET superseded = TRUE, wrapped_private_key = NULL "
                        + "WHERE key_id = ? AND NOT superseded", key.keyId().value());
                destroyExpired(now);
                jdbc.update("INSERT INTO kms_import_parameters (token_hash, key_id, wrapping_algorithm, "
                                + "wrapping_key_spec, wrapped_private_key, issued_at, valid_to) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        tokenHash, key.keyId().value(), algorithm.name(), spec.name(), wrappedPrivateKey,
                        Timestamp.from(now), Timestamp.from(validTo));
            });
            return new ImportParameters(key.keyId(), token, pair.publicKey(), validTo);
        }
    }

    /**
     * Unwraps the material with the token's wrapping key, checks its length, and imports it.
     *
     * @param validToSeconds a future Unix time, or null or 0 for never
     * @return the id of the key the material was imported into
     */
    public CompletableFuture<KeyId> importKeyMaterial(AccountId account, String keyIdOrAlias, byte[] encryptedMaterial,
                                                      String importToken, Long validToSeconds) {
        KeyRecord key = externalKey(account, keyIdOrAlias);
        Instant now = clock.instant();
        Instant validTo = validTo(validToSeconds, now);
        StoredParameters parameters = parametersOf(key.keyId(), importToken, now);
        WrappedKeyMaterial wrapped;
        MaterialFingerprint fingerprint;
        KeyVersionId versionId = key.versions().stream().map(KeyVersion::id).findFirst()
                .orElseGet(() -> externalVersionOf(key.keyId()));
        try (SecretBytes privateKey = keystore.unwrapSecret(parameters.purpose(), parameters.wrappedPrivateKey());
             SecretBytes material = unwrap(parameters.algorithm(), privateKey, encryptedMaterial)) {
            if (material.length() != key.keySpec().materialLength()) {
                if (parameters.algorithm() == WrappingAlgorithm.RSAES_PKCS1_V1_5) {
                    // About 1 in 65,536 random ciphertexts passes PKCS#1 v1.5's padding check: telling
                    // "bad padding" from "wrong length" would be a Bleichenbacher oracle on a wrapping
                    // key that lives 24 hours. Both get the one answer.
                    throw unreadable(parameters.algorithm());
                }
                throw new KmsException(KmsError.KEY_MATERIAL_LENGTH_INVALID, "a " + key.keySpec() + " key takes "
                        + key.keySpec().materialLength() + " bytes of key material, not " + material.length());
            }
            fingerprint = new MaterialFingerprint(keyHierarchy.fingerprintMaterial(account, key.keyId(), material));
            wrapped = keyHierarchy.wrapMaterial(account, key.keyId(), versionId, material);
        } catch (KeyMaterialUnavailableException e) {
            throw KmsException.keyNotFound(key.keyId()); // deleted a moment ago, on another node
        }
        return commands.send(new ImportKeyMaterial(key.keyId(), account, versionId, wrapped, fingerprint, validTo, now))
                .thenApply(done -> key.keyId());
    }

    /** Removes the imported material now; the CMK waits for it again. */
    public CompletableFuture<KeyId> deleteImportedKeyMaterial(AccountId account, String keyIdOrAlias) {
        KeyRecord key = externalKey(account, keyIdOrAlias);
        return commands.send(new DeleteImportedKeyMaterial(key.keyId(), account, clock.instant()))
                .thenApply(done -> key.keyId());
    }

    /**
     * An EXTERNAL key has one version for life (SPEC "Versions"); its id follows from the key's,
     * so that two imports racing to be the first name the same version.
     */
    static KeyVersionId externalVersionOf(KeyId keyId) {
        return KeyVersionId.of(UUID.nameUUIDFromBytes(
                ("opencmk/external-version/" + keyId.value()).getBytes(StandardCharsets.US_ASCII)));
    }

    private KeyRecord externalKey(AccountId account, String keyIdOrAlias) {
        KeyRecord key = keys.find(account, keyIdOrAlias);
        if (key.origin() != Origin.EXTERNAL) {
            throw new KmsException(KmsError.NOT_EXTERNAL_KEY,
                    "the key's material was made by the KMS; only EXTERNAL keys (CreateKey Type 2) take imported material");
        }
        if (key.state() == KeyState.PendingDelete) {
            throw new KmsException(KmsError.KEY_PENDING_DELETE, "the key is pending deletion");
        }
        return key;
    }

    private record StoredParameters(String purpose, WrappingAlgorithm algorithm, byte[] wrappedPrivateKey) {
    }

    /** One row of {@code kms_import_parameters}; {@code wrappedPrivateKey} is null once destroyed. */
    private record IssuedRow(String keyId, WrappingAlgorithm algorithm, byte[] wrappedPrivateKey, Instant validTo,
                             boolean superseded) {
    }

    /** The token's parameters, or the one refusal that says what is wrong with the token. */
    private StoredParameters parametersOf(KeyId keyId, String importToken, Instant now) {
        byte[] tokenBytes;
        try {
            tokenBytes = Base64.getDecoder().decode(importToken);
        } catch (IllegalArgumentException e) {
            throw invalidToken();
        }
        if (tokenBytes.length != TOKEN_BYTES) {
            throw invalidToken();
        }
        byte[] tokenHash = sha256(tokenBytes);
        List<IssuedRow> rows = jdbc.query("SELECT key_id, wrapping_algorithm, wrapped_private_key, valid_to, superseded "
                        + "FROM kms_import_parameters WHERE token_hash = ?",
                (rs, n) -> new IssuedRow(rs.getString(1), WrappingAlgorithm.valueOf(rs.getString(2)), rs.getBytes(3),
                        rs.getTimestamp(4).toInstant(), rs.getBoolean(5)), (Object) tokenHash);
        if (rows.isEmpty()) {
            throw invalidToken();
        }
        IssuedRow row = rows.get(0);
        if (!keyId.value().equals(row.keyId())) {
            throw new KmsException(KmsError.IMPORT_TOKEN_OF_ANOTHER_KEY, "the ImportToken was issued for another key");
        }
        if (row.superseded()) {
            throw new KmsException(KmsError.IMPORT_TOKEN_SUPERSEDED,
                    "a newer GetParametersForImport replaced this ImportToken and its wrapping key");
        }
        if (!now.isBefore(row.validTo()) || row.wrappedPrivateKey() == null) {
            destroyExpired(now);
            throw new KmsException(KmsError.IMPORT_TOKEN_EXPIRED,
                    "the ImportToken expired; call GetParametersForImport for a new one");
        }
        return new StoredParameters(purpose(keyId, tokenHash), row.algorithm(), row.wrappedPrivateKey());
    }

    /** Expired wrapping private keys are destroyed; their rows stay to tell an expired token apart. */
    private void destroyExpired(Instant now) {
        jdbc.update("UPDATE kms_import_parameters SET wrapped_private_key = NULL "
                + "WHERE wrapped_private_key IS NOT NULL AND valid_to <= ?", Timestamp.from(now));
    }

    private static SecretBytes unwrap(WrappingAlgorithm algorithm, SecretBytes privateKey, byte[] encryptedMaterial) {
        try {
            return ImportWrapping.unwrap(algorithm, privateKey, encryptedMaterial);
        } catch (UnreadableKeyMaterialException e) {
            throw unreadable(algorithm);
        }
    }

    private static KmsException unreadable(WrappingAlgorithm algorithm) {
        return new KmsException(KmsError.KEY_MATERIAL_UNREADABLE, "EncryptedKeyMaterial cannot be decrypted with the "
                + "ImportToken's wrapping key and " + algorithm + " into key material of the key's length; wrap the "
                + "material with that public key and algorithm");
    }

    private static Instant validTo(Long seconds, Instant now) {
        if (seconds == null || seconds == 0) {
            return null;
        }
        if (seconds <= now.getEpochSecond() || seconds > MAX_VALID_TO) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE,
                    "ValidTo must be a future Unix time in seconds, or 0 for never");
        }
        return Instant.ofEpochSecond(seconds);
    }

    /** The wrapping private key is bound to its key and its token: it serves no other import. */
    private static String purpose(KeyId keyId, byte[] tokenHash) {
        return "import-wrapping-key:" + keyId.value() + ":" + HexFormat.of().formatHex(tokenHash);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value, String field) {
        if (value == null || value.isEmpty()) {
            throw new KmsException(KmsError.MISSING_PARAMETER, "the parameter " + field + " is required");
        }
        try {
            return Enum.valueOf(type, value);
        } catch (IllegalArgumentException e) {
            throw new KmsException(KmsError.INVALID_PARAMETER_VALUE, field + " " + value + " is not supported; one of "
                    + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }

    private static KmsException invalidToken() {
        return new KmsException(KmsError.IMPORT_TOKEN_INVALID, "the ImportToken was not issued by GetParametersForImport");
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
