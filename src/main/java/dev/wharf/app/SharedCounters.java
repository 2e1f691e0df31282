package dev.wharf.app;

import dev.wharf.auth.LoginThrottle;
import dev.wharf.auth.MemoryLoginThrottle;
import dev.wharf.auth.RedisLoginThrottle;
import dev.wharf.config.RateLimitConfig;
import dev.wharf.ratelimit.LocalRateLimiter;
import dev.wharf.ratelimit.RateLimiter;
import dev.wharf.ratelimit.RedisRateLimiter;
import java.net.URI;
import java.time.Clock;
import redis.clients.jedis.JedisPooled;

/**
 * Where a node counts what the nodes of a cluster must count together: sign-in failures and rate-limit buckets. With
 * redis.url set they live in Redis, so that a guesser or a client gets one budget from the whole cluster rather than
 * one per node; without it, in this node's memory. One Redis client serves both and is closed with the node.
 */
final class SharedCounters implements AutoCloseable {
    /** The connection pool to redis.url, or null without one. */
    private final JedisPooled redis;

    private SharedCounters(JedisPooled redis) {
        this.redis = redis;
    }

    /** Connects to redis.url when it is set, and checks it now: a node that cannot reach it does not start. */
    static SharedCounters connect(RateLimitConfig limits) {
        if (limits.redisUrl().isEmpty()) return new SharedCounters(null);
        JedisPooled client = new JedisPooled(URI.create(limits.redisUrl()));
        try {
            client.ping();
        } catch (RuntimeException e) {
            client.close();
            throw new StartupException("redis.url does not answer: " + e.getMessage(), e);
        }
        return new SharedCounters(client);
    }

    /** Sign-in failure counters, in Redis whenever redis.url is set (whether or not rate limits are on). */
    LoginThrottle.Factory loginThrottles(Clock clock) {
        if (redis == null) return (name, free) -> new MemoryLoginThrottle(clock, free);
        return (name, free) -> new RedisLoginThrottle(redis, name, clock, free);
    }

    /** Rate-limit buckets, shared by all nodes through Redis when redis.url is set. */
    RateLimiter rateLimiter(Clock clock) {
        return redis == null ? new LocalRateLimiter(clock) : new RedisRateLimiter(redis, clock);
    }

    @Override
    public void close() {
        if (redis != null) redis.close();
    }
}
