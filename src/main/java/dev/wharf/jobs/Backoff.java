package dev.wharf.jobs;

import java.time.Duration;

/** Exponential backoff between attempts: base × 2^(attempt-1), capped, so a flapping upstream is not hammered. */
public record Backoff(Duration base, Duration max) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(10));

    /** Delay before the next attempt, after {@code attempts} failed attempts (1 or more). */
    public Duration after(int attempts) {
        int shift = Math.min(Math.max(attempts, 1) - 1, 30);
        long millis = base.toMillis() << shift;
        return millis <= 0 || millis > max.toMillis() ? max : Duration.ofMillis(millis);
    }
}
