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
public final class RedisRateLimiter implements RateLimiter {
    private final ProxyManager<byte[]> buckets;
    private final Clock clock;

    /** On a client the caller owns, checks and closes (a node shares one with its login throttle). */
    public RedisRateLimiter(JedisPooled redis, Clock clock) {
        this.clock = clock;
        this.buckets = Bucket4jJedis.casBasedBuilder(redis)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                        Duration.ofMinutes(1)))
                .build();
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
}
