package dev.wharf.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bucket4j token buckets in this node's memory, one per key and budget. Each bucket holds a minute's budget and
 * is refilled whole once a minute (interval refill, not greedy), which is what {@code X-RateLimit-Reset} ("when
 * the remaining resets") describes. With several nodes each keeps its own buckets, so a client spread across
 * them gets up to one budget per node; a Redis-backed {@link RateLimiter} removes that.
 */
public final class LocalRateLimiter implements RateLimiter {
    private static final int MAX_KEYS = 100_000; // bounds memory under a spray of client addresses

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Clock clock;
    private final TimeMeter time;

    public LocalRateLimiter(Clock clock) {
        this.clock = clock;
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return clock.millis() * 1_000_000L;
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
    }

    @Override
    public Decision take(String key, long limit, Duration window) {
        return Buckets.decide(bucket(key, limit, window).tryConsumeAndReturnRemaining(1), limit, clock.instant());
    }

    @Override
    public Decision peek(String key, long limit, Duration window) {
        return Buckets.peek(bucket(key, limit, window), limit, clock.instant());
    }

    private Bucket bucket(String key, long limit, Duration window) {
        if (buckets.size() >= MAX_KEYS) forgetFull();
        return buckets.computeIfAbsent(limit + "/" + window.toSeconds() + "/" + key,
                k -> Bucket.builder().withCustomTimePrecision(time)
                        .addLimit(Buckets.limit(limit, window)).build());
    }

    /** A full bucket is indistinguishable from a new one, so dropping it loses nothing. */
    private void forgetFull() {
        buckets.entrySet().removeIf(e -> e.getValue().getAvailableTokens() >= capacityOf(e.getKey()));
        if (buckets.size() >= MAX_KEYS) buckets.clear(); // all busy at once: start over rather than grow
    }

    private static long capacityOf(String bucketKey) {
        return Long.parseLong(bucketKey.substring(0, bucketKey.indexOf('/')));
    }

}
