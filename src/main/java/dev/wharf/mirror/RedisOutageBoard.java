package dev.wharf.mirror;

import dev.wharf.upstream.UpstreamException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

/**
 * The {@link OutageBoard} of a cluster, in Redis: one key per mirror definition,
 * {@code wharf:mirror-outage:<name>|<updated millis>}, holding the outage as lines (since, last failure and next try
 * in epoch milliseconds, the reason, the message). Readers compare the next try with their own clock; Redis's expiry
 * only removes what no node cleared, a while after the next try.
 */
public final class RedisOutageBoard implements OutageBoard {
    static final String PREFIX = "wharf:mirror-outage:";
    /** How long past its next try a post outlives in Redis when no node clears it. */
    static final Duration KEPT_AFTER_RETRY = Duration.ofMinutes(1);

    private final UnifiedJedis redis;
    private final Clock clock;

    public RedisOutageBoard(UnifiedJedis redis, Clock clock) {
        this.redis = redis;
        this.clock = clock;
    }

    @Override
    public Optional<Posted> read(String definition) {
        String value = redis.get(PREFIX + definition);
        if (value == null) return Optional.empty();
        String[] f = value.split("\n", 5);
        if (f.length < 5) return Optional.empty(); // not ours to read: treated as no post
        try {
            return Optional.of(new Posted(Instant.ofEpochMilli(Long.parseLong(f[0])),
                    Instant.ofEpochMilli(Long.parseLong(f[1])), Instant.ofEpochMilli(Long.parseLong(f[2])),
                    UpstreamException.Reason.valueOf(f[3]), f[4]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public void post(String definition, Posted outage) {
        String value = outage.since().toEpochMilli() + "\n" + outage.failedAt().toEpochMilli() + "\n"
                + outage.retryAt().toEpochMilli() + "\n" + outage.reason().name() + "\n" + outage.message();
        Duration left = Duration.between(clock.instant(), outage.retryAt());
        long keepMillis = Math.max(0, left.toMillis()) + KEPT_AFTER_RETRY.toMillis();
        redis.set(PREFIX + definition, value, SetParams.setParams().px(keepMillis));
    }

    @Override
    public void clear(String definition) {
        redis.del(PREFIX + definition);
    }
}
