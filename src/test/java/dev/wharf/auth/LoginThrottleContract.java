package dev.wharf.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What every {@link LoginThrottle} store does: run on the in-memory one and on a real Redis. */
abstract class LoginThrottleContract {

    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));

    /** A throttle with {@link LoginThrottle#FREE_FAILURES} free failures, empty at the start of each test. */
    abstract LoginThrottle throttle();

    @Test
    void locksAfterFreeFailuresWithDoublingDelays() {
        LoginThrottle throttle = throttle();
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) throttle.recordFailure("user:alice");
        assertThat(throttle.retryAfter("user:alice")).isEmpty();
        assertThat(throttle.failures("user:alice")).isEqualTo(LoginThrottle.FREE_FAILURES);
        throttle.recordFailure("user:alice");
        assertThat(throttle.retryAfter("user:alice")).hasValue(Duration.ofSeconds(1));
        throttle.recordFailure("user:alice");
        assertThat(throttle.retryAfter("user:alice")).hasValue(Duration.ofSeconds(2));
        clock.advance(Duration.ofSeconds(2));
        assertThat(throttle.retryAfter("user:alice")).isEmpty();
        assertThat(throttle.retryAfter("user:bob")).isEmpty();
        assertThat(throttle.failures("user:bob")).isZero();
    }

    @Test
    void lockIsCappedAndSuccessClears() {
        LoginThrottle throttle = throttle();
        for (int i = 0; i < 40; i++) throttle.recordFailure("ip:10.0.0.1");
        assertThat(throttle.retryAfter("ip:10.0.0.1")).hasValue(LoginThrottle.MAX_LOCK);
        throttle.recordSuccess("ip:10.0.0.1");
        assertThat(throttle.retryAfter("ip:10.0.0.1")).isEmpty();
        assertThat(throttle.failures("ip:10.0.0.1")).isZero();
    }

    @Test
    void idleKeysStartAfresh() {
        LoginThrottle throttle = throttle();
        for (int i = 0; i < 7; i++) throttle.recordFailure("k");
        clock.advance(LoginThrottle.FORGET_AFTER.plusSeconds(1));
        assertThat(throttle.failures("k")).isZero();
        throttle.recordFailure("k");
        assertThat(throttle.retryAfter("k")).isEmpty();
        assertThat(throttle.failures("k")).isEqualTo(1);
    }

    @Test
    void keysAreTakenAsTheyAre() {
        LoginThrottle throttle = throttle();
        String odd = "pair:secret:al ice\u00e9:*?[x]@::1";
        for (int i = 0; i <= LoginThrottle.FREE_FAILURES; i++) throttle.recordFailure(odd);
        assertThat(throttle.retryAfter(odd)).isPresent();
        assertThat(throttle.retryAfter("pair:secret:al ice\u00e9:*?[y]@::1")).isEmpty();
    }
}
