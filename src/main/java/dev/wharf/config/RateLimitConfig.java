package dev.wharf.config;

import java.time.Duration;

/**
 * Hub API budgets per minute, registry pull budgets per window, where buckets live (empty: in memory), and how long
 * a call waits on Redis.
 */
public record RateLimitConfig(boolean enabled, int hubPerMinute, int hubAnonymousPerMinute, int pullsAnonymous,
        int pullsAuthenticated, Duration pullsWindow, String redisUrl, Duration redisTimeout) {
    /** Past this a counter is no use to the request waiting for it: Redis is down for every purpose of ours. */
    static final Duration LONGEST_REDIS_TIMEOUT = Duration.ofMinutes(1);

    static RateLimitConfig from(ConfigValues c) {
        String redis = c.string(ConfigKey.REDIS_URL);
        if (!redis.isEmpty() && !redis.matches("rediss?://\\S+")) {
            throw c.bad(ConfigKey.REDIS_URL, redis.replaceAll(":[^:@/]*@", ":***@"), "expected redis://host:port");
        }
        return new RateLimitConfig(c.bool(ConfigKey.RATELIMIT_ENABLED),
                c.integer(ConfigKey.RATELIMIT_HUB_PER_MINUTE, 1, 1_000_000),
                c.integer(ConfigKey.RATELIMIT_HUB_ANONYMOUS_PER_MINUTE, 1, 1_000_000),
                c.integer(ConfigKey.RATELIMIT_PULLS_ANONYMOUS, 0, 100_000_000),
                c.integer(ConfigKey.RATELIMIT_PULLS_AUTHENTICATED, 0, 100_000_000),
                c.duration(ConfigKey.RATELIMIT_PULLS_WINDOW), redis, redisTimeout(c));
    }

    private static Duration redisTimeout(ConfigValues c) {
        Duration d = c.duration(ConfigKey.REDIS_TIMEOUT);
        if (d.compareTo(LONGEST_REDIS_TIMEOUT) > 0) {
            throw c.bad(ConfigKey.REDIS_TIMEOUT, c.string(ConfigKey.REDIS_TIMEOUT), "must be at most "
                    + LONGEST_REDIS_TIMEOUT.toMinutes() + "m");
        }
        return d;
    }
}
