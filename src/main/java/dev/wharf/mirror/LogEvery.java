package dev.wharf.mirror;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/** A condition that lasts (an upstream down, a full disk) is logged at most once per interval and key. */
final class LogEvery {
    private final Clock clock;
    private final ConcurrentHashMap<String, Instant> logged = new ConcurrentHashMap<>();

    LogEvery(Clock clock) {
        this.clock = clock;
    }

    /** Whether {@code key} is due to be logged again (not logged for {@code every}); if so, notes now. */
    boolean due(String key, Duration every) {
        Instant now = clock.instant();
        Instant last = logged.get(key);
        if (last != null && Duration.between(last, now).compareTo(every) < 0) return false;
        logged.put(key, now);
        return true;
    }
}
