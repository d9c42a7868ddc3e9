package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.BlockingCalls;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** The guard the other integration tests rely on: BlockHound is installed and catches a blocking call. */
class BlockHoundIT {

    @Test
    void aBlockingCallOnANonBlockingThreadFails() {
        BlockingCalls.install();
        BlockingCalls.requireNone();

        assertThatThrownBy(() -> Mono.delay(Duration.ofMillis(1))
                .doOnNext(tick -> sleep())
                .block())
                .hasRootCauseInstanceOf(reactor.blockhound.BlockingOperationError.class);
        assertThat(BlockingCalls.drain()).singleElement().asString().contains("sleep");
    }

    @Test
    void theSameCallOnTheBoundedBlockingSchedulerIsAllowed() {
        BlockingCalls.install();
        BlockingCalls.requireNone();

        Mono.fromRunnable(BlockHoundIT::sleep).subscribeOn(Schedulers.boundedElastic()).block();

        assertThat(BlockingCalls.drain()).isEmpty();
    }

    private static void sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
