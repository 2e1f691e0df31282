package dev.wharf.config;

import java.time.Duration;

/** Hub API budgets per minute, registry pull budgets per window, and where buckets live (empty: in memory). */
public record RateLimitConfig(boolean enabled, int hubPerMinute, int hubAnonymousPerMinute, int pullsAnonymous,
        int pullsAuthenticated, Duration pullsWindow, String redisUrl) {

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
                c.duration(ConfigKey.RATELIMIT_PULLS_WINDOW), redis);
    }
}
