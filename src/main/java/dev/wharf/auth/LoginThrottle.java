package dev.wharf.auth;

import java.time.Duration;
import java.util.Optional;

/**
 * Counts failures per key (e.g. {@code "pair:alice@10.0.0.7"}): after {@code freeFailures} failures in a row
 * each further failure locks the key for twice as long as the last, from one second up to {@link #MAX_LOCK}.
 * A success clears the key; a key idle for {@link #FORGET_AFTER} is forgotten. Which keys are counted and which
 * locks apply to an attempt is {@link LoginGuard}'s policy.
 *
 * <p>Two stores: {@link MemoryLoginThrottle} for a single node, {@link RedisLoginThrottle} when {@code redis.url}
 * is set, so that every node of a cluster counts the same failures. Per-node counts would give a guesser behind a
 * load balancer one budget per node.
 */
public interface LoginThrottle {
    int FREE_FAILURES = 5;
    Duration MAX_LOCK = Duration.ofMinutes(15);
    Duration FORGET_AFTER = Duration.ofHours(1);

    /** How long the key must still wait before another attempt; empty if it may try now. */
    Optional<Duration> retryAfter(String key);

    /** Failures counted against the key and not yet forgotten (0 after a success or {@link #FORGET_AFTER}). */
    int failures(String key);

    void recordFailure(String key);

    void recordSuccess(String key);

    /** Makes the throttles of one {@link LoginGuard}; {@code name} keeps their keys apart in a shared store. */
    interface Factory {
        LoginThrottle create(String name, int freeFailures);
    }

    /** The lock that the {@code failures}-th failure in a row sets, in milliseconds (0 while still free). */
    static long lockMillis(int failures, int freeFailures) {
        if (failures <= freeFailures) return 0;
        int doublings = Math.min(failures - freeFailures - 1, 20);
        return Math.min(1000L << doublings, MAX_LOCK.toMillis());
    }
}
