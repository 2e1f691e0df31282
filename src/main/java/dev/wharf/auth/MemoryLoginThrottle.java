package dev.wharf.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link LoginThrottle} in this node's memory: the store of a single node (without {@code redis.url}).
 */
public final class MemoryLoginThrottle implements LoginThrottle {
    private static final int MAX_KEYS = 100_000; // bounds memory under a spray of random usernames

    private record Entry(int failures, long lockedUntil, long lastFailure) {}

    private final Clock clock;
    private final int freeFailures;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    public MemoryLoginThrottle(Clock clock) {
        this(clock, FREE_FAILURES);
    }

    public MemoryLoginThrottle(Clock clock, int freeFailures) {
        this.clock = clock;
        this.freeFailures = freeFailures;
    }

    @Override
    public Optional<Duration> retryAfter(String key) {
        Entry entry = entries.get(key);
        long now = clock.millis();
        if (entry == null || entry.lockedUntil() <= now) return Optional.empty();
        return Optional.of(Duration.ofMillis(entry.lockedUntil() - now));
    }

    @Override
    public int failures(String key) {
        Entry entry = entries.get(key);
        if (entry == null || clock.millis() - entry.lastFailure() > FORGET_AFTER.toMillis()) return 0;
        return entry.failures();
    }

    @Override
    public void recordFailure(String key) {
        long now = clock.millis();
        if (entries.size() >= MAX_KEYS) forgetIdle(now);
        entries.compute(key, (k, old) -> {
            int failures = old == null || now - old.lastFailure() > FORGET_AFTER.toMillis() ? 1 : old.failures() + 1;
            return new Entry(failures, now + LoginThrottle.lockMillis(failures, freeFailures), now);
        });
    }

    @Override
    public void recordSuccess(String key) {
        entries.remove(key);
    }

    private void forgetIdle(long now) {
        entries.values().removeIf(e -> now - e.lastFailure() > FORGET_AFTER.toMillis() && e.lockedUntil() <= now);
        if (entries.size() >= MAX_KEYS) entries.clear(); // a flood of fresh keys: start over rather than grow
    }
}
