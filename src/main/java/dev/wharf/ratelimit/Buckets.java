package dev.wharf.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import java.time.Duration;
import java.time.Instant;

/**
 * The one bucket shape every limiter uses: {@code limit} tokens, refilled whole once per window (interval refill),
 * which is what "N requests per window" and a reset time mean to clients.
 */
final class Buckets {
    private Buckets() {}

    static Bandwidth limit(long limit, Duration window) {
        return Bandwidth.builder().capacity(limit).refillIntervally(limit, window).build();
    }

    static RateLimiter.Decision decide(ConsumptionProbe probe, long limit, Instant now) {
        Instant resetAt = now.plusNanos(probe.getNanosToWaitForReset());
        Instant retryAt = probe.isConsumed() ? resetAt : now.plusNanos(probe.getNanosToWaitForRefill());
        return new RateLimiter.Decision(probe.isConsumed(), limit, probe.getRemainingTokens(), resetAt, retryAt);
    }

    static RateLimiter.Decision decide(EstimationProbe estimate, long limit, long available, Instant now) {
        Instant retryAt = now.plusNanos(estimate.getNanosToWaitForRefill());
        return new RateLimiter.Decision(estimate.canBeConsumed(), limit, available, retryAt, retryAt);
    }
}
