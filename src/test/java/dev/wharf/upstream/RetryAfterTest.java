package dev.wharf.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Retry-After in both of HTTP's forms. */
class RetryAfterTest {
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    @Test
    void delaySecondsAndDatesAreWaitsFromNow() {
        assertThat(RetryAfter.parse("120", NOW)).hasValue(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 0 ", NOW)).hasValue(Duration.ZERO);
        assertThat(RetryAfter.parse("Sun, 06 Dec 2026 12:01:30 GMT", NOW)).hasValue(Duration.ofSeconds(90));
        assertThat(RetryAfter.parse("Sun, 06 Dec 2026 11:00:00 GMT", NOW)).as("a date passed").hasValue(Duration.ZERO);
        assertThat(RetryAfter.parse("99999999999999999999", NOW)).get().matches(d -> d.toDays() > 10_000);
    }

    @Test
    void anythingElseIsIgnored() {
        for (String v : new String[] {null, "", "  ", "-5", "1.5", "soon", "120s", "Sunday 12:00"}) {
            assertThat(RetryAfter.parse(v, NOW)).as(String.valueOf(v)).isEmpty();
        }
    }
}
