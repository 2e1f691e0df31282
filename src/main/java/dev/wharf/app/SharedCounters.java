package dev.wharf.app;

import dev.wharf.auth.LoginThrottle;
import dev.wharf.auth.MemoryLoginThrottle;
import dev.wharf.auth.RedisLoginThrottle;
import dev.wharf.config.RateLimitConfig;
import dev.wharf.mirror.OutageBoard;
import dev.wharf.mirror.RedisOutageBoard;
import dev.wharf.ratelimit.LocalRateLimiter;
import dev.wharf.ratelimit.RateLimiter;
import dev.wharf.ratelimit.RedisRateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.JedisPooled;

/**
 * Where a node counts what the nodes of a cluster must count together: sign-in failures and rate-limit buckets; and
 * where it tells them that a mirror's upstream is down. With redis.url set they live in Redis, so that a guesser or
 * a client gets one budget from the whole cluster rather than one per node, and an upstream answering 429 is left
 * alone by all nodes at once; without it, in this node's memory. One Redis client serves all and is closed with the
 * node. While Redis does not answer, all fall back to this node's memory ({@link RedisFallback}).
 */
final class SharedCounters implements AutoCloseable {
    /** The connection pool to redis.url, or null without one. */
    private final JedisPooled redis;
    private final RedisFallback fallback;

    private SharedCounters(JedisPooled redis, RedisFallback fallback) {
        this.redis = redis;
        this.fallback = fallback;
    }

    /**
     * Connections to Redis per node. Each request holds one for a command or two (well under a millisecond while
     * Redis answers), so this many serve thousands of requests a second; more would only queue more requests
     * behind a Redis that has stopped answering.
     */
    static final int POOL_SIZE = 64;

    /** Connects to redis.url when it is set, and checks it now: a node that cannot reach it does not start. */
    static SharedCounters connect(RateLimitConfig limits, MeterRegistry meters) {
        if (limits.redisUrl().isEmpty()) return new SharedCounters(null, null);
        int timeoutMillis = (int) limits.redisTimeout().toMillis();
        JedisPooled client = new JedisPooled(pool(limits.redisTimeout()), URI.create(limits.redisUrl()),
                timeoutMillis, timeoutMillis);
        try {
            client.ping();
        } catch (RuntimeException e) {
            client.close();
            throw new StartupException("redis.url does not answer: " + e.getMessage(), e);
        }
        return new SharedCounters(client, new RedisFallback(meters));
    }

    /**
     * Every wait on Redis is bounded by redis.timeout, the wait for a free connection too. The pool's default is to
     * wait for ever: while Redis hung, each request queued behind the few holding a connection, each of those
     * waiting out its own timeout, so the last of a burst waited many timeouts before it could fall back.
     */
    private static ConnectionPoolConfig pool(Duration timeout) {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(POOL_SIZE);
        pool.setMaxIdle(POOL_SIZE);
        pool.setMaxWait(timeout);
        return pool;
    }

    /** What /readyz shows of Redis (never deciding readiness): nothing without redis.url. */
    Map<String, Supplier<String>> readinessAdvisories() {
        return fallback == null ? Map.of() : Map.of("redis", fallback::state);
    }

    /** Sign-in failure counters, in Redis whenever redis.url is set (whether or not rate limits are on). */
    LoginThrottle.Factory loginThrottles(Clock clock) {
        if (redis == null) return (name, free) -> new MemoryLoginThrottle(clock, free);
        return (name, free) -> new FallbackLoginThrottle(new RedisLoginThrottle(redis, name, clock, free),
                new MemoryLoginThrottle(clock, free), fallback);
    }

    /** Rate-limit buckets, shared by all nodes through Redis when redis.url is set. */
    RateLimiter rateLimiter(Clock clock) {
        if (redis == null) return new LocalRateLimiter(clock);
        return new FallbackRateLimiter(new RedisRateLimiter(redis, clock), new LocalRateLimiter(clock), fallback);
    }

    /** Where mirrors post their upstreams' outages for the other nodes, in Redis when redis.url is set. */
    OutageBoard mirrorOutages(Clock clock) {
        if (redis == null) return OutageBoard.NONE;
        return new FallbackOutageBoard(new RedisOutageBoard(redis, clock), fallback);
    }

    @Override
    public void close() {
        if (redis != null) redis.close();
    }

    private record FallbackRateLimiter(RateLimiter shared, RateLimiter local, RedisFallback fallback)
            implements RateLimiter {
        @Override
        public Decision take(String key, long limit, Duration window) {
            return fallback.call(() -> shared.take(key, limit, window), () -> local.take(key, limit, window));
        }

        @Override
        public Decision peek(String key, long limit, Duration window) {
            return fallback.call(() -> shared.peek(key, limit, window), () -> local.peek(key, limit, window));
        }
    }

    /** While Redis does not answer, the node keeps its mirrors' outages to itself: nothing read, nothing posted. */
    private record FallbackOutageBoard(OutageBoard shared, RedisFallback fallback) implements OutageBoard {
        @Override
        public Optional<Posted> read(String definition) {
            return fallback.call(() -> shared.read(definition), Optional::empty);
        }

        @Override
        public void post(String definition, Posted outage) {
            fallback.run(() -> shared.post(definition, outage), () -> {});
        }

        @Override
        public void clear(String definition) {
            fallback.run(() -> shared.clear(definition), () -> {});
        }
    }

    private record FallbackLoginThrottle(LoginThrottle shared, LoginThrottle local, RedisFallback fallback)
            implements LoginThrottle {
        @Override
        public Optional<Duration> retryAfter(String key) {
            return fallback.call(() -> shared.retryAfter(key), () -> local.retryAfter(key));
        }

        @Override
        public int failures(String key) {
            return fallback.call(() -> shared.failures(key), () -> local.failures(key));
        }

        @Override
        public void recordFailure(String key) {
            fallback.run(() -> shared.recordFailure(key), () -> local.recordFailure(key));
        }

        @Override
        public void recordSuccess(String key) {
            fallback.run(() -> shared.recordSuccess(key), () -> local.recordSuccess(key));
        }
    }
}
