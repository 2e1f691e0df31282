package dev.wharf.ratelimit;

import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import redis.clients.jedis.JedisPooled;

/**
 * Buckets kept in Redis, so every node of a cluster takes from the same budget. Bucket4j updates them with
 * compare-and-swap; idle buckets expire by themselves once they would be full again.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {
    private final JedisPooled redis;
    private final ProxyManager<byte[]> buckets;
    private final Clock clock;

    /** @param redisUrl e.g. {@code redis://127.0.0.1:6379/0}; the limiter owns the client it makes (close it) */
    public RedisRateLimiter(String redisUrl, Clock clock) {
        this(new JedisPooled(java.net.URI.create(redisUrl)), clock);
    }

    /** On a client the caller owns and closes (a node shares one with its login throttle). */
    public RedisRateLimiter(JedisPooled redis, Clock clock) {
        this.redis = redis;
        this.clock = clock;
        this.buckets = Bucket4jJedis.casBasedBuilder(redis)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofMinutes(1)))
                .build();
    }

    /** Fails with a clear message when Redis does not answer (checked at start-up). */
    public void ping() {
        redis.ping();
    }

    @Override
    public Decision take(String key, long limit, Duration window) {
        return Buckets.decide(bucket(key, limit, window).tryConsumeAndReturnRemaining(1), limit, clock.instant());
    }

    @Override
    public Decision peek(String key, long limit, Duration window) {
        return Buckets.peek(bucket(key, limit, window), limit, clock.instant());
    }

    private BucketProxy bucket(String key, long limit, Duration window) {
        byte[] redisKey = ("wharf:ratelimit:" + limit + ":" + window.toSeconds() + ":" + key)
                .getBytes(StandardCharsets.UTF_8);
        BucketConfiguration config = BucketConfiguration.builder().addLimit(Buckets.limit(limit, window)).build();
        return buckets.builder().build(redisKey, () -> config);
    }

    @Override
    public void close() {
        redis.close();
    }
}
