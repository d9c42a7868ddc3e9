package org.opencmk.kms.server.config;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.opencmk.kms.crypto.CiphertextBlob;
import org.opencmk.kms.crypto.SecretBytes;
import org.opencmk.kms.crypto.asymmetric.MessageType;
import org.opencmk.kms.crypto.asymmetric.PublicKeyEncryption;
import org.opencmk.kms.crypto.asymmetric.SignatureAlgorithm;
import org.opencmk.kms.crypto.keystore.KeystoreUnavailableException;
import org.opencmk.kms.crypto.keystore.TokenKeystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import org.opencmk.kms.events.KeySpec;
import org.opencmk.kms.events.KeyVersionId;
import org.opencmk.kms.events.ProtectionLevel;
import org.opencmk.kms.events.WrappedKeyMaterial;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Schedulers;

/**
 * The configured HSM as the server holds it, whether or not its token could be opened at start:
 * a server whose HSM is away (library missing, PIN refused, token absent) still starts and serves
 * SOFTWARE keys (issue 16). Until the token opens, every call throws {@link
 * KeystoreUnavailableException} with what went wrong; an attempt to open it again is made at most
 * every {@link #RETRY_EVERY}, on a call or on {@link #available()}, so that the server recovers by
 * itself once the token is back. Once opened, the keystore itself recovers from a token removed
 * and put back.
 */
final class ReopeningTokenKeystore implements TokenKeystore {

    static final Duration RETRY_EVERY = Duration.ofSeconds(2);
    private static final Logger log = LoggerFactory.getLogger(ReopeningTokenKeystore.class);

    private final Supplier<TokenKeystore> opener;
    private final Predicate<byte[]> ownsReference;
    private final Clock clock;
    private volatile TokenKeystore opened;
    private volatile String lastFailure = "not opened yet";
    /** False from a call the token refused until one it serves; for the log only. */
    private volatile boolean answering = true;
    private Instant nextAttempt = Instant.MIN;

    /**
     * @param opener opens the token keystore, or throws {@link KeystoreUnavailableException}
     * @param ownsReference recognises a reference the token keystore makes, with no token at hand
     */
    ReopeningTokenKeystore(Supplier<TokenKeystore> opener, Predicate<byte[]> ownsReference, Clock clock) {
        this.opener = opener;
        this.ownsReference = ownsReference;
        this.clock = clock;
        open();
    }

    /**
     * The opened keystore, opening it first if it is time to try again. Never on a non-blocking
     * thread: a token operation may wait on its device ({@link BlockingKeystoreCall}).
     */
    private TokenKeystore keystore() {
        if (Schedulers.isInNonBlockingThread()) {
            throw new BlockingKeystoreCall();
        }
        TokenKeystore current = opened;
        if (current == null) {
            current = open();
            if (current == null) {
                throw new KeystoreUnavailableException(lastFailure);
            }
        }
        return current;
    }

    private synchronized TokenKeystore open() {
        if (opened != null || clock.instant().isBefore(nextAttempt)) {
            return opened;
        }
        nextAttempt = clock.instant().plus(RETRY_EVERY);
        try {
            opened = opener.get();
            log.info("HSM: the token is open; HSM keys are served");
        } catch (KeystoreUnavailableException e) {
            failed(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            // A library that loads but misbehaves, or JNA's own failure: still only the HSM's fault.
            failed(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        return opened;
    }

    /**
     * Runs one operation on the opened keystore, logging when the token stops answering (pulled
     * out, its library lost) and when it answers again: the calls themselves are refused with
     * ServiceTemporaryUnavailable meanwhile, and an operator learns it here.
     */
    private <T> T call(java.util.function.Function<TokenKeystore, T> operation) {
        TokenKeystore current = keystore();
        try {
            T result = operation.apply(current);
            if (!answering) {
                answering = true;
                log.info("HSM: the token answers again; HSM keys are served");
            }
            return result;
        } catch (KeystoreUnavailableException e) {
            if (answering) {
                answering = false;
                log.error("HSM: the token stopped answering, so HSM keys are refused until it is back "
                        + "(SOFTWARE keys are served): {}", e.getMessage());
            }
            throw e;
        }
    }

    private void failed(String why) {
        if (!why.equals(lastFailure)) {
            log.error("HSM: the token cannot be opened, so HSM keys are refused until it can "
                    + "(SOFTWARE keys are served): {}", why);
        }
        lastFailure = why;
    }

    @Override
    public boolean owns(byte[] kekReference) {
        return ownsReference.test(kekReference);
    }

    @Override
    public boolean supports(KeySpec spec) {
        TokenKeystore current = opened != null ? opened : open();
        return current != null && current.supports(spec);
    }

    @Override
    public boolean available() {
        TokenKeystore current = opened != null ? opened : open();
        return current != null && current.available();
    }

    @Override
    public ProtectionLevel protectionLevel() {
        return ProtectionLevel.HSM;
    }

    @Override
    public byte[] createKeyEncryptionKey(AccountId account, KeyId keyId) {
        return call(k -> k.createKeyEncryptionKey(account, keyId));
    }

    @Override
    public byte[] bindKeyEncryptionKey(byte[] kekReference, AccountId account, KeyId keyId) {
        return call(k -> k.bindKeyEncryptionKey(kekReference, account, keyId));
    }

    @Override
    public void destroyKeyEncryptionKey(KeyId keyId, byte[] kekReference) {
        call(k -> {
            k.destroyKeyEncryptionKey(keyId, kekReference);
            return null;
        });
    }

    @Override
    public WrappedKeyMaterial wrapMaterial(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            SecretBytes material) {
        return call(k -> k.wrapMaterial(kekReference, account, keyId, versionId, material));
    }

    @Override
    public SecretBytes unwrapMaterial(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial wrapped) {
        return call(k -> k.unwrapMaterial(kekReference, account, keyId, versionId, wrapped));
    }

    @Override
    public byte[] fingerprintMaterial(byte[] kekReference, AccountId account, KeyId keyId, SecretBytes material) {
        return call(k -> k.fingerprintMaterial(kekReference, account, keyId, material));
    }

    @Override
    public byte[] wrapSecret(String purpose, SecretBytes secret) {
        return call(k -> k.wrapSecret(purpose, secret));
    }

    @Override
    public SecretBytes unwrapSecret(String purpose, byte[] wrapped) {
        return call(k -> k.unwrapSecret(purpose, wrapped));
    }

    @Override
    public WrappedKeyMaterial generateMaterial(byte[] kekReference, AccountId account, KeyId keyId,
            KeyVersionId versionId, KeySpec spec) {
        return call(k -> k.generateMaterial(kekReference, account, keyId, versionId, spec));
    }

    @Override
    public TokenKeyPair generateKeyPair(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            KeySpec spec) {
        return call(k -> k.generateKeyPair(kekReference, account, keyId, versionId, spec));
    }

    @Override
    public byte[] encrypt(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial version, KeySpec spec, byte[] plaintext, byte[] context) {
        return call(k -> k.encrypt(kekReference, account, keyId, versionId, version, spec, plaintext, context));
    }

    @Override
    public byte[] decrypt(byte[] kekReference, AccountId account, WrappedKeyMaterial version, CiphertextBlob blob,
            byte[] context) {
        return call(k -> k.decrypt(kekReference, account, version, blob, context));
    }

    @Override
    public byte[] sign(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial version, KeySpec spec, SignatureAlgorithm algorithm, MessageType type, byte[] message) {
        return call(k -> k.sign(kekReference, account, keyId, versionId, version, spec, algorithm, type, message));
    }

    @Override
    public SecretBytes decrypt(byte[] kekReference, AccountId account, KeyId keyId, KeyVersionId versionId,
            WrappedKeyMaterial version, KeySpec spec, PublicKeyEncryption scheme, byte[] ciphertext) {
        return call(k -> k.decrypt(kekReference, account, keyId, versionId, version, spec, scheme, ciphertext));
    }

    @Override
    public void close() {
        TokenKeystore current = opened;
        opened = null;
        if (current != null) {
            current.close();
        }
    }

    @Override
    public String toString() {
        return "ReopeningTokenKeystore[" + (opened != null ? "open" : "not open: " + lastFailure) + "]";
    }
}
