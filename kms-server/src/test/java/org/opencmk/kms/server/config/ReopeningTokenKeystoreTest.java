package org.opencmk.kms.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.crypto.keystore.KeystoreUnavailableException;
import org.opencmk.kms.crypto.keystore.TokenKeystore;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.events.KeyId;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The server holds its HSM whether or not the token opened at start: refused with the reason
 * until it opens, tried again at most every few seconds, and never used from a non-blocking
 * thread.
 */
class ReopeningTokenKeystoreTest {

    private static final AccountId ACCOUNT = new AccountId(100000000001L);

    private Instant now = Instant.parse("2026-11-30T12:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void aTokenThatCannotBeOpenedIsRefusedWithItsReasonAndTriedAgainLater() {
        TokenKeystore token = mock(TokenKeystore.class);
        when(token.available()).thenReturn(true);
        when(token.createKeyEncryptionKey(any(), any())).thenReturn(new byte[] {'T'});
        AtomicInteger attempts = new AtomicInteger();
        boolean[] tokenBack = {false};
        ReopeningTokenKeystore keystore = new ReopeningTokenKeystore(() -> {
            attempts.incrementAndGet();
            if (!tokenBack[0]) {
                throw new KeystoreUnavailableException("CKR_PIN_INCORRECT: the PIN was refused");
            }
            return token;
        }, reference -> reference.length > 0 && reference[0] == 'T', clock);

        assertThat(keystore.available()).isFalse();
        assertThatThrownBy(() -> keystore.createKeyEncryptionKey(ACCOUNT, KeyId.random()))
                .isInstanceOf(KeystoreUnavailableException.class).hasMessageContaining("PIN was refused");
        assertThat(attempts).as("not again before the retry interval").hasValue(1);
        assertThat(keystore.owns(new byte[] {'T'})).as("references are recognised without the token").isTrue();

        tokenBack[0] = true;
        now = now.plus(ReopeningTokenKeystore.RETRY_EVERY).plus(Duration.ofMillis(1));
        assertThat(keystore.createKeyEncryptionKey(ACCOUNT, KeyId.random())).containsExactly('T');
        assertThat(keystore.available()).isTrue();
        assertThat(attempts).hasValue(2);
    }

    @Test
    void noTokenOperationRunsOnANonBlockingThread() {
        TokenKeystore token = mock(TokenKeystore.class);
        ReopeningTokenKeystore keystore = new ReopeningTokenKeystore(() -> token, reference -> true, clock);

        assertThatThrownBy(() -> Mono.fromCallable(() -> keystore.createKeyEncryptionKey(ACCOUNT, KeyId.random()))
                .subscribeOn(Schedulers.parallel()).block())
                .isInstanceOf(BlockingKeystoreCall.class);
        Mono.fromCallable(() -> keystore.createKeyEncryptionKey(ACCOUNT, KeyId.random()))
                .subscribeOn(Schedulers.boundedElastic()).block();
    }
}
