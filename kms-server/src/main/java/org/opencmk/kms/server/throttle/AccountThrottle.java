package org.opencmk.kms.server.throttle;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.opencmk.kms.events.AccountId;
import org.opencmk.kms.server.KmsProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * One token bucket per account ({@code kms.throttle.*}). Neither official SDK retries by default,
 * so a refusal must be immediate: callers back off themselves (seed 004, last section).
 */
@Component
public class AccountThrottle {

    private final Map<AccountId, Bucket> buckets = new ConcurrentHashMap<>();
    private final KmsProperties.Throttle limits;
    private final TimeMeter time;

    /** @param time the buckets' clock: bucket4j's default (the system clock) unless a bean replaces it, as tests do */
    public AccountThrottle(KmsProperties properties, ObjectProvider<TimeMeter> time) {
        this.limits = properties.throttle();
        this.time = time.getIfAvailable(() -> TimeMeter.SYSTEM_MILLISECONDS);
    }

    /** @return whether the account may make one more request now */
    public boolean tryAcquire(AccountId account) {
        return buckets.computeIfAbsent(account, a -> newBucket()).tryConsume(1);
    }

    private Bucket newBucket() {
        return Bucket.builder()
                .withCustomTimePrecision(time)
                .addLimit(limit -> limit.capacity(limits.burst())
                        .refillGreedy(limits.requestsPerSecond(), Duration.ofSeconds(1)))
                .build();
    }
}
