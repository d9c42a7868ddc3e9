package org.opencmk.kms.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.opencmk.kms.server.support.Sdk.assertError;

import com.tencentcloudapi.common.exception.TencentCloudSDKException;
import com.tencentcloudapi.kms.v20190118.KmsClient;
import com.tencentcloudapi.kms.v20190118.models.CreateKeyRequest;
import com.tencentcloudapi.kms.v20190118.models.ListKeysRequest;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencmk.kms.server.support.Accounts;
import org.opencmk.kms.server.support.KmsServer;
import org.springframework.context.annotation.Bean;

/**
 * Per-account throttling answers RequestLimitExceeded at once and changes nothing. The buckets'
 * time stands still unless the test moves it, so what is refused does not depend on how fast
 * the machine is, and a refill takes no waiting.
 */
class ThrottlingIT {

    private static final int BURST = 3;
    private static final int ATTEMPTS = 10;
    /** At the configured rate of one request a second: time for exactly one more request. */
    private static final Duration ONE_REQUEST = Duration.ofSeconds(1);
    private static final ManualTime time = new ManualTime();
    private static KmsServer server;

    @BeforeAll
    static void start() {
        server = KmsServer.start(Map.of(
                "kms.throttle.requests-per-second", "1",
                "kms.throttle.burst", Integer.toString(BURST),
                "spring.main.sources", ThrottleTime.class.getName()));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anAccountOverItsRateIsRefusedWhileOthersAreNot() throws Exception {
        Accounts busy = Accounts.create(server, "busy");
        KmsClient kms = busy.sdk();
        List<String> outcomes = new ArrayList<>();
        for (int i = 0; i < ATTEMPTS; i++) {
            try {
                kms.CreateKey(new CreateKeyRequest());
                outcomes.add("created");
            } catch (TencentCloudSDKException e) {
                outcomes.add(e.getErrorCode());
            }
        }
        List<String> expected = new ArrayList<>(Collections.nCopies(BURST, "created"));
        expected.addAll(Collections.nCopies(ATTEMPTS - BURST, "RequestLimitExceeded"));
        assertThat(outcomes).as("a full bucket, then refusals").isEqualTo(expected);

        Accounts calm = Accounts.create(server, "calm");
        assertThat(calm.sdk().ListKeys(new ListKeysRequest()).getTotalCount()).as("another account is not throttled").isZero();

        time.advance(ONE_REQUEST);
        assertThat(kms.ListKeys(new ListKeysRequest()).getTotalCount()).as("refused requests created nothing").isEqualTo(BURST);
        assertError("RequestLimitExceeded", () -> kms.ListKeys(new ListKeysRequest()));
    }

    /** Bucket time that moves only when told to. */
    static final class ManualTime implements TimeMeter {
        private final AtomicLong nanos = new AtomicLong(Duration.ofDays(1).toNanos());

        void advance(Duration duration) {
            nanos.addAndGet(duration.toNanos());
        }

        @Override
        public long currentTimeNanos() {
            return nanos.get();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }

    /** Extra configuration for this test's server (through {@code spring.main.sources}; no stereotype, so no other server scans it). */
    static class ThrottleTime {
        @Bean
        TimeMeter throttleTime() {
            return time;
        }
    }
}
