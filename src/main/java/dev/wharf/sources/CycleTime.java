package dev.wharf.sources;

import java.time.Instant;

/** Cycle's DateTime values: RFC 3339 in UTC, and Go's zero time for "never" (as Cycle itself sends). */
final class CycleTime {
    static final String NEVER = "0001-01-01T00:00:00Z";

    private CycleTime() {}

    static String of(Instant instant) {
        return instant == null ? NEVER : instant.toString();
    }

    static String ofMillis(long millis) {
        return millis <= 0 ? NEVER : Instant.ofEpochMilli(millis).toString();
    }
}
