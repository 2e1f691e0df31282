package dev.wharf.registry;

import static dev.wharf.registry.TestRegistry.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Manifest GETs spend the pull budget, HEADs only report it; with Redis the budget holds across two nodes. */
class PullLimitTest {
    @TempDir Path dir;

    @Test
    void getsCountHeadsDoNot() throws Exception {
        try (TestRegistry reg = new TestRegistry(TestServer.builder(dir.resolve("a")).auth(false)
                .flags("--ratelimit-pulls-anonymous", "2").build())) {
            reg.pushImage("limit/app", "v1", "layer");
            HttpResponse<byte[]> head = reg.send("HEAD", "/v2/limit/app/manifests/v1", null);
            assertThat(head.headers().firstValue("ratelimit-limit")).hasValue("2;w=21600");
            assertThat(head.headers().firstValue("ratelimit-remaining")).hasValue("2;w=21600");
            assertThat(reg.get("/v2/limit/app/manifests/v1").headers().firstValue("ratelimit-remaining"))
                    .hasValue("1;w=21600");
            assertThat(reg.get("/v2/limit/app/manifests/v1").statusCode()).isEqualTo(200);
            HttpResponse<byte[]> refused = reg.get("/v2/limit/app/manifests/v1");
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(errorCode(refused)).isEqualTo("TOOMANYREQUESTS");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(reg.send("HEAD", "/v2/limit/app/manifests/v1", null).statusCode()).isEqualTo(429);
        }
    }

    /** Issue 19: Retry-After came from the wall clock while the budget ran on the server's clock. */
    @Test
    void retryAfterIsMeasuredOnTheServersClock() throws Exception {
        java.time.Clock behind = java.time.Clock.offset(java.time.Clock.systemUTC(), java.time.Duration.ofHours(-2));
        try (TestRegistry reg = new TestRegistry(TestServer.builder(dir.resolve("c")).auth(false).clock(behind)
                .flags("--ratelimit-pulls-anonymous", "1", "--ratelimit-pulls-window", "6h").build())) {
            reg.pushImage("limit/clock", "v1", "layer");
            assertThat(reg.get("/v2/limit/clock/manifests/v1").statusCode()).isEqualTo(200);
            HttpResponse<byte[]> refused = reg.get("/v2/limit/clock/manifests/v1");
            assertThat(refused.statusCode()).isEqualTo(429);
            long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
            // the window refills 6 h after the first pull, on the server's clock: not 4 h (6 h minus its offset)
            assertThat(retryAfter).isBetween(6 * 3600L - 120, 6 * 3600L);
        }
    }

    @Test
    void unlimitedByDefaultWithoutHeaders() throws Exception {
        try (TestRegistry reg = new TestRegistry(TestServer.builder(dir.resolve("d")).auth(false).build())) {
            reg.pushImage("free/app", "v1", "layer");
            for (int i = 0; i < 1_100; i++) { // more than the old anonymous default of 1,000
                HttpResponse<byte[]> r = reg.get("/v2/free/app/manifests/v1");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("ratelimit-limit")).isEmpty();
            }
        }
    }

    @Test
    void redisSharesTheBudgetAcrossNodes() throws Exception {
        // A fresh window length gives this run its own Redis keys.
        String window = (3600 + (int) (Math.random() * 100_000)) + "s";
        try (TestRegistry a = new TestRegistry(TestServer.builder(dir.resolve("a")).auth(false)
                .flags("--ratelimit-pulls-anonymous", "3", "--ratelimit-pulls-window", window, "--redis-url",
                        "redis://127.0.0.1:6379").build());
                TestRegistry b = new TestRegistry(TestServer.builder(dir.resolve("b")).auth(false)
                        .flags("--ratelimit-pulls-anonymous", "3", "--ratelimit-pulls-window", window, "--redis-url",
                                "redis://127.0.0.1:6379").build())) {
            a.pushImage("shared/app", "v1", "layer");
            b.pushImage("shared/app", "v1", "layer");
            assertThat(a.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(200);
            assertThat(b.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(200);
            assertThat(a.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(200);
            assertThat(b.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(429);
        }
    }
}
