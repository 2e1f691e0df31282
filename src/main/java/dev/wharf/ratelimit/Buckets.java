package dev.wharf.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
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

    /** The bucket's state without taking a token (local buckets and Redis proxies alike). */
    static RateLimiter.Decision peek(Bucket bucket, long limit, Instant now) {
        EstimationProbe estimate = bucket.estimateAbilityToConsume(1);
        Instant retryAt = now.plusNanos(estimate.getNanosToWaitForRefill());
        return new RateLimiter.Decision(estimate.canBeConsumed(), limit, bucket.getAvailableTokens(), retryAt, retryAt);
    }
}
