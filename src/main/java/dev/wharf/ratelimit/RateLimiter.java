package dev.wharf.ratelimit;

import java.time.Duration;
import java.time.Instant;

/**
 * Per-minute request budgets of the Hub API, per key ({@code user:42}, {@code org:acme}, {@code ip:10.0.0.7}).
 * An interface so that a shared store (Redis) can replace the per-node {@link LocalRateLimiter} for a cluster.
 */
public interface RateLimiter {

    /** Takes one request from the key's budget of {@code perMinute}. */
    default Decision take(String key, int perMinute) {
        return take(key, perMinute, Duration.ofMinutes(1));
    }

    /** Takes one request from the key's budget of {@code limit} per {@code window}, refilled whole each window. */
    Decision take(String key, long limit, Duration window);

    /** The key's state without taking anything (for HEAD requests that only report the budget). */
    Decision peek(String key, long limit, Duration window);

    /**
     * @param allowed whether the request may proceed
     * @param limit the budget per minute
     * @param remaining requests left in the current window after this one
     * @param resetAt when the budget is whole again
     * @param retryAt when a refused caller may try again (equal to {@code resetAt} for an allowed request)
     */
    record Decision(boolean allowed, long limit, long remaining, Instant resetAt, Instant retryAt) {}
}
