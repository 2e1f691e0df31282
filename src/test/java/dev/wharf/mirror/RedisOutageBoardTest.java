package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.MutableClock;
import dev.wharf.upstream.UpstreamException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

/** The cluster's outage board on the real Redis at 127.0.0.1:6379. */
class RedisOutageBoardTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T03:00:00Z"));
    private final JedisPooled redis = new JedisPooled(URI.create("redis://127.0.0.1:6379"));
    private final RedisOutageBoard board = new RedisOutageBoard(redis, clock);
    /** Each test's definition apart from every other run's. */
    private final String definition = "test-" + UUID.randomUUID() + "|1765076400000";

    @AfterEach
    void cleanUp() {
        redis.del(RedisOutageBoard.PREFIX + definition);
        redis.close();
    }

    @Test
    void whatOneNodePostsAnotherReadsUntilItIsCleared() {
        Instant now = clock.instant();
        OutageBoard.Posted posted = new OutageBoard.Posted(now.minusSeconds(40), now, now.plusSeconds(30),
                UpstreamException.Reason.SERVER, "registry-1.docker.io answered HTTP 429; it asks to be left alone "
                        + "for 30 s");
        board.post(definition, posted);
        RedisOutageBoard otherNode = new RedisOutageBoard(redis, clock);
        assertThat(otherNode.read(definition)).contains(posted);

        otherNode.clear(definition);
        assertThat(board.read(definition)).isEmpty();
    }

    @Test
    void aPostNoNodeClearsIsGoneAMinuteAfterItsNextTry() {
        Instant now = clock.instant();
        board.post(definition, new OutageBoard.Posted(now, now, now.plusSeconds(300), UpstreamException.Reason
                .UNREACHABLE, "no answer"));
        long ttl = redis.pttl(RedisOutageBoard.PREFIX + definition);
        assertThat(ttl).isBetween(Duration.ofSeconds(300).plus(RedisOutageBoard.KEPT_AFTER_RETRY).toMillis() - 5_000,
                Duration.ofSeconds(300).plus(RedisOutageBoard.KEPT_AFTER_RETRY).toMillis());
    }

    @Test
    void aValueItCannotReadIsNoOutage() {
        redis.set(RedisOutageBoard.PREFIX + definition, "1\n2\n3\nWHATEVER\nx");
        assertThat(board.read(definition)).isEmpty();
        redis.set(RedisOutageBoard.PREFIX + definition, "garbage");
        assertThat(board.read(definition)).isEmpty();
    }
}
