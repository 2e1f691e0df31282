package dev.wharf.auth;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@link LoginThrottle} kept in Redis (a hash per key: failures, last failure, locked until), shared by every node
 * that has the same {@code redis.url}. A failure is counted by one Lua script, so concurrent failures on several
 * nodes each count. Times are the recording node's clock (nodes are expected to keep theirs in sync, as token
 * expiry already requires). A key expires from Redis once it would be forgotten anyway.
 *
 * <p>If Redis does not answer, every method throws Jedis's exception: this class never lets a guess through
 * uncounted on its own. A node wraps it so that its own memory counts instead meanwhile ({@code app.RedisFallback}).
 */
public final class RedisLoginThrottle implements LoginThrottle {
    private static final String RECORD_FAILURE = """
            local now = tonumber(ARGV[1])
            local forget = tonumber(ARGV[2])
            local failures = 1
            local old = redis.call('HMGET', KEYS[1], 'f', 'last')
            if old[1] and (now - tonumber(old[2])) <= forget then failures = tonumber(old[1]) + 1 end
            local lock = 0
            local free = tonumber(ARGV[3])
            if failures > free then
              lock = math.min(1000 * (2 ^ math.min(failures - free - 1, 20)), tonumber(ARGV[4]))
            end
            redis.call('HSET', KEYS[1], 'f', failures, 'last', now, 'until', now + lock)
            redis.call('PEXPIRE', KEYS[1], forget + lock)
            return failures
            """;

    private final UnifiedJedis redis;
    private final String prefix;
    private final Clock clock;
    private final int freeFailures;

    /** @param name keeps this throttle's keys apart from other throttles' in the same Redis */
    public RedisLoginThrottle(UnifiedJedis redis, String name, Clock clock, int freeFailures) {
        this.redis = redis;
        this.prefix = "wharf:login:" + name + ":";
        this.clock = clock;
        this.freeFailures = freeFailures;
    }

    @Override
    public Optional<Duration> retryAfter(String key) {
        String until = redis.hget(redisKey(key), "until");
        long now = clock.millis();
        if (until == null || Long.parseLong(until) <= now) return Optional.empty();
        return Optional.of(Duration.ofMillis(Long.parseLong(until) - now));
    }

    @Override
    public int failures(String key) {
        List<String> row = redis.hmget(redisKey(key), "f", "last");
        if (row.get(0) == null || clock.millis() - Long.parseLong(row.get(1)) > FORGET_AFTER.toMillis()) return 0;
        return Integer.parseInt(row.get(0));
    }

    @Override
    public void recordFailure(String key) {
        redis.eval(RECORD_FAILURE, List.of(redisKey(key)), List.of(Long.toString(clock.millis()),
                Long.toString(FORGET_AFTER.toMillis()), Integer.toString(freeFailures),
                Long.toString(MAX_LOCK.toMillis())));
    }

    @Override
    public void recordSuccess(String key) {
        redis.del(redisKey(key));
    }

    /** Keys hold usernames and addresses as sent: hex keeps them one Redis key each, whatever they contain. */
    private String redisKey(String key) {
        return prefix + java.util.HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8));
    }
}
