package dev.wharf.mirror;

import dev.wharf.upstream.UpstreamRateLimit;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pull budget each mirror's upstream last stated to this node ({@link UpstreamRateLimit}: Docker Hub's
 * {@code ratelimit-*} headers), for the admin view and two gauges. Per node: Docker Hub counts per account, or
 * per address for anonymous pulls, and every node asks with the same account but maybe from another address.
 */
final class UpstreamRateLimits {
    /** What the upstream said, and when; {@code definition}: the mirror's definition it said it to. */
    record Seen(long limit, long remaining, long windowSeconds, Instant at, String definition) {}

    private final Clock clock;
    private final MirrorMetrics metrics;
    private final ConcurrentHashMap<String, Seen> seen = new ConcurrentHashMap<>();

    UpstreamRateLimits(Clock clock, MirrorMetrics metrics) {
        this.clock = clock;
        this.metrics = metrics;
    }

    /** @param definition the mirror's definition (name and update time) whose upstream stated it */
    void stated(String mirror, String definition, UpstreamRateLimit budget) {
        Seen now = new Seen(budget.limit(), budget.remaining(), budget.windowSeconds(), clock.instant(), definition);
        if (seen.put(mirror, now) == null) {
            metrics.rateLimitGauges(mirror, () -> latest(mirror, Seen::limit), () -> latest(mirror, Seen::remaining));
        }
    }

    /** The budget last stated for this very definition: a redefined mirror may have another upstream or account. */
    Optional<Seen> of(String mirror, String definition) {
        return Optional.ofNullable(seen.get(mirror)).filter(s -> s.definition().equals(definition));
    }

    private double latest(String mirror, java.util.function.ToLongFunction<Seen> field) {
        Seen s = seen.get(mirror);
        return s == null ? Double.NaN : field.applyAsLong(s);
    }
}
