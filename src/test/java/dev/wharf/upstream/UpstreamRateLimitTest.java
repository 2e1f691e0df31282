package dev.wharf.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Docker Hub's ratelimit headers, with and without their window, and what is not such a header. */
class UpstreamRateLimitTest {
    @Test
    void dockerHubsFormAndABareCount() {
        assertThat(UpstreamRateLimit.parse("100;w=21600", "76;w=21600"))
                .hasValue(new UpstreamRateLimit(100, 76, 21600));
        assertThat(UpstreamRateLimit.parse("200", "0")).hasValue(new UpstreamRateLimit(200, 0, 0));
        assertThat(UpstreamRateLimit.parse(" 100 ; w=60 ; comment=\"x\"", "3")).hasValue(new UpstreamRateLimit(100, 3, 60));
    }

    @Test
    void missingOrUnreadableHeadersStateNothing() {
        assertThat(UpstreamRateLimit.parse(null, "76;w=21600")).isEmpty();
        assertThat(UpstreamRateLimit.parse("100;w=21600", null)).isEmpty();
        assertThat(UpstreamRateLimit.parse("many", "76")).isEmpty();
        assertThat(UpstreamRateLimit.parse("100", "-1")).isEmpty();
        assertThat(UpstreamRateLimit.parse("1234567890123456", "1")).isEmpty();
    }
}
