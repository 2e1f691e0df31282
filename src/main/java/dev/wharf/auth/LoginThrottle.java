package dev.wharf.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failures per key (e.g. {@code "pair:alice@10.0.0.7"}): after {@code freeFailures} failures in a row
 * each further failure locks the key for twice as long as the last, from one second up to {@link #MAX_LOCK}.
 * A success clears the key; a key idle for {@link #FORGET_AFTER} is forgotten. In memory, per node. Which keys
 * are counted and which locks apply to an attempt is {@link LoginGuard}'s policy.
 */
public final class LoginThrottle {

    static final int FREE_FAILURES = 5;
    static final Duration MAX_LOCK = Duration.ofMinutes(15);
    static final Duration FORGET_AFTER = Duration.ofHours(1);
    private static final int MAX_KEYS = 100_000; // bounds memory under a spray of random usernames

    private record Entry(int failures, long lockedUntil, long lastFailure) {}

    private final Clock clock;
    private final int freeFailures;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    public LoginThrottle(Clock clock) {
        this(clock, FREE_FAILURES);
    }

    public LoginThrottle(Clock clock, int freeFailures) {
        this.clock = clock;
        this.freeFailures = freeFailures;
    }

    /** How long the key must still wait before another attempt; empty if it may try now. */
    public Optional<Duration> retryAfter(String key) {
        Entry entry = entries.get(key);
        long now = clock.millis();
        if (entry == null || entry.lockedUntil() <= now) return Optional.empty();
        return Optional.of(Duration.ofMillis(entry.lockedUntil() - now));
    }

    /** Failures counted against the key and not yet forgotten (0 after a success or {@link #FORGET_AFTER}). */
    public int failures(String key) {
        Entry entry = entries.get(key);
        if (entry == null || clock.millis() - entry.lastFailure() > FORGET_AFTER.toMillis()) return 0;
        return entry.failures();
    }

    public void recordFailure(String key) {
        long now = clock.millis();
        if (entries.size() >= MAX_KEYS) forgetIdle(now);
        entries.compute(key, (k, old) -> {
            int failures = old == null || now - old.lastFailure() > FORGET_AFTER.toMillis() ? 1 : old.failures() + 1;
            long lock = 0;
            if (failures > freeFailures) {
                int doublings = Math.min(failures - freeFailures - 1, 20);
                lock = Math.min(1000L << doublings, MAX_LOCK.toMillis());
            }
            return new Entry(failures, now + lock, now);
        });
    }

    public void recordSuccess(String key) {
        entries.remove(key);
    }

    private void forgetIdle(long now) {
        entries.values().removeIf(e -> now - e.lastFailure() > FORGET_AFTER.toMillis() && e.lockedUntil() <= now);
        if (entries.size() >= MAX_KEYS) entries.clear(); // a flood of fresh keys: start over rather than grow
    }
}
