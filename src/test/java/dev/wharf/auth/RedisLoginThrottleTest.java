package dev.wharf.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/** The contract on the real Redis at 127.0.0.1:6379, and the attack that a per-node count let through. */
class RedisLoginThrottleTest extends LoginThrottleContract {
    private final JedisPooled redis = new JedisPooled(URI.create("redis://127.0.0.1:6379"));
    /** Each test's keys apart from every other run's. */
    private final String name = "test-" + UUID.randomUUID();

    @AfterEach
    void cleanUp() {
        for (String key : redis.keys("wharf:login:" + name + "*")) redis.del(key);
        redis.close();
    }

    @Override
    LoginThrottle throttle() {
        return new RedisLoginThrottle(redis, name, clock, LoginThrottle.FREE_FAILURES);
    }

    /**
     * The attack: behind a load balancer, guesses spread over two nodes. With per-node counts each node allowed
     * its own free failures and its own lock; with Redis the second node refuses as soon as the first locked.
     */
    @Test
    void guessesSpreadOverNodesShareOneBudget() {
        LoginGuard.Events none = LoginGuard.Events.NONE;
        String cluster = name;
        LoginGuard nodeA = new LoginGuard(none, (n, free) -> new RedisLoginThrottle(redis, cluster + ":" + n, clock, free));
        LoginGuard nodeB = new LoginGuard(none, (n, free) -> new RedisLoginThrottle(redis, cluster + ":" + n, clock, free));
        for (int i = 0; i < LoginGuard.PAIR_FREE; i++) {
            (i % 2 == 0 ? nodeA : nodeB).failed("alice", "203.0.113.9");
        }
        assertThat(nodeA.locked("alice", "203.0.113.9")).isEmpty();
        nodeA.failed("alice", "203.0.113.9");
        assertThat(nodeB.locked("alice", "203.0.113.9")).isPresent();
        assertThat(nodeA.locked("alice", "203.0.113.9")).isPresent();

        // Second-factor codes likewise: five wrong codes over two nodes lock the account's code step on both.
        for (int i = 0; i <= LoginGuard.CODE_ACCOUNT_FREE; i++) {
            (i % 2 == 0 ? nodeA : nodeB).codeFailed("bob", "198.51.100." + i);
        }
        assertThat(nodeB.codeLocked("bob", "192.0.2.1")).isPresent();
        assertThat(nodeA.codeLocked("bob", "192.0.2.1")).isPresent();

        // A per-node store, for contrast: node B has seen none of node A's failures.
        LoginGuard localA = new LoginGuard(clock, none);
        LoginGuard localB = new LoginGuard(clock, none);
        for (int i = 0; i <= LoginGuard.PAIR_FREE; i++) localA.failed("carol", "203.0.113.9");
        assertThat(localA.locked("carol", "203.0.113.9")).isPresent();
        assertThat(localB.locked("carol", "203.0.113.9")).isEqualTo(Optional.empty());
    }

    @Test
    void keysExpireFromRedisOnceForgotten() {
        LoginThrottle throttle = throttle();
        throttle.recordFailure("k");
        String key = redis.keys("wharf:login:" + name + ":*").iterator().next();
        long ttl = redis.pttl(key);
        assertThat(ttl).isPositive().isLessThanOrEqualTo(LoginThrottle.FORGET_AFTER.toMillis());
    }
}
