package dev.wharf.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    final LoginThrottle throttle = new LoginThrottle(clock);

    @Test
    void locksAfterFreeFailuresWithDoublingDelays() {
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) throttle.recordFailure("user:alice");
        assertThat(throttle.retryAfter("user:alice")).isEmpty();
        throttle.recordFailure("user:alice");
        assertThat(throttle.retryAfter("user:alice")).hasValue(Duration.ofSeconds(1));
        throttle.recordFailure("user:alice");
        assertThat(throttle.retryAfter("user:alice")).hasValue(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(2));
        assertThat(throttle.retryAfter("user:alice")).isEmpty();
        assertThat(throttle.retryAfter("user:bob")).isEmpty();
    }

    @Test
    void lockIsCappedAndSuccessClears() {
        for (int i = 0; i < 40; i++) throttle.recordFailure("ip:10.0.0.1");
        assertThat(throttle.retryAfter("ip:10.0.0.1")).hasValue(LoginThrottle.MAX_LOCK);
        throttle.recordSuccess("ip:10.0.0.1");
        assertThat(throttle.retryAfter("ip:10.0.0.1")).isEmpty();
    }

    @Test
    void idleKeysStartAfresh() {
        for (int i = 0; i < 7; i++) throttle.recordFailure("k");
        clock.advance(LoginThrottle.FORGET_AFTER.plusSeconds(1));
        throttle.recordFailure("k");
        assertThat(throttle.retryAfter("k")).isEmpty();
    }
}
