package dev.wharf.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/** The in-memory limiter, and the Redis one (127.0.0.1:6379) shared by two "nodes". */
class RateLimiterTest {

    @Test
    void localBudgetIsSpentByTakesNotByPeeks() {
        RateLimiter limiter = new LocalRateLimiter(Clock.systemUTC());
        assertThat(limiter.peek("k", 2, Duration.ofHours(6)).remaining()).isEqualTo(2);
        assertThat(limiter.take("k", 2, Duration.ofHours(6)).remaining()).isEqualTo(1);
        assertThat(limiter.take("k", 2, Duration.ofHours(6)).allowed()).isTrue();
        RateLimiter.Decision refused = limiter.take("k", 2, Duration.ofHours(6));
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAt()).isAfter(java.time.Instant.now().plus(Duration.ofHours(5)));
        assertThat(limiter.take("other", 2, Duration.ofHours(6)).allowed()).isTrue();
    }

    @Test
    void redisBucketsAreSharedAcrossNodes() {
        String key = "test-" + UUID.randomUUID();
        try (JedisPooled clientA = new JedisPooled(URI.create("redis://127.0.0.1:6379"));
                JedisPooled clientB = new JedisPooled(URI.create("redis://127.0.0.1:6379"))) {
            clientA.ping();
            RedisRateLimiter nodeA = new RedisRateLimiter(clientA, Clock.systemUTC());
            RedisRateLimiter nodeB = new RedisRateLimiter(clientB, Clock.systemUTC());
            assertThat(nodeA.take(key, 3, Duration.ofMinutes(1)).allowed()).isTrue();
            assertThat(nodeB.take(key, 3, Duration.ofMinutes(1)).allowed()).isTrue();
            assertThat(nodeA.peek(key, 3, Duration.ofMinutes(1)).remaining()).isEqualTo(1);
            assertThat(nodeB.take(key, 3, Duration.ofMinutes(1)).remaining()).isZero();
            assertThat(nodeA.take(key, 3, Duration.ofMinutes(1)).allowed()).isFalse();
        }
    }
}
