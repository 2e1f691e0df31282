package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.exceptions.JedisConnectionException;

class RedisFallbackTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final RedisFallback fallback = new RedisFallback(meters);
    private final AtomicInteger redisCalls = new AtomicInteger();
    private volatile boolean redisUp = true;

    private final Supplier<String> redis = () -> {
        redisCalls.incrementAndGet();
        if (!redisUp) throw new JedisConnectionException("Connection refused");
        return "shared";
    };

    @Test
    void usesRedisWhileItAnswers() {
        assertThat(fallback.call(redis, () -> "local")).isEqualTo("shared");
        assertThat(fallbacks()).isZero();
    }

    @Test
    void aFailedCallIsAnsweredLocallyAndRedisIsLeftAloneUntilTheRetry() {
        redisUp = false;
        assertThat(fallback.call(redis, () -> "local")).isEqualTo("local");
        assertThat(fallback.call(redis, () -> "local")).isEqualTo("local");
        assertThat(fallback.call(redis, () -> "local")).isEqualTo("local");
        // Only the first call waited on Redis; the others were answered at once.
        assertThat(redisCalls).hasValue(1);
        assertThat(fallbacks()).isEqualTo(3);
    }

    @Test
    void aCallAfterTheRetryIntervalFindsRedisBack() throws Exception {
        redisUp = false;
        fallback.call(redis, () -> "local");
        redisUp = true;
        assertThat(fallback.call(redis, () -> "local")).as("within the interval").isEqualTo("local");
        Thread.sleep(RedisFallback.RETRY.toMillis() + 100);
        assertThat(fallback.call(redis, () -> "local")).isEqualTo("shared");
        assertThat(fallback.call(redis, () -> "local")).isEqualTo("shared");
        assertThat(redisCalls).hasValue(3);
    }

    @Test
    void aFailureThatIsNotRedisesIsNotHidden() {
        assertThatThrownBy(() -> fallback.call(() -> {
            throw new IllegalStateException("a bug");
        }, () -> "local")).isInstanceOf(IllegalStateException.class);
        assertThat(fallback.call(redis, () -> "local")).as("Redis is not marked down by it").isEqualTo("shared");
    }

    @Test
    void aWrappedJedisFailureCounts() {
        assertThat(fallback.call(() -> {
            throw new RuntimeException("bucket", new JedisConnectionException("reset"));
        }, () -> "local")).isEqualTo("local");
    }

    @Test
    void voidUpdatesFallBackToo() {
        redisUp = false;
        AtomicInteger local = new AtomicInteger();
        fallback.run(() -> redis.get(), local::incrementAndGet);
        assertThat(local).hasValue(1);
    }

    private double fallbacks() {
        return meters.get("wharf_redis_fallbacks").counter().count();
    }
}
