package dev.wharf.registry;

import static dev.wharf.registry.TestRegistry.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Manifest GETs spend the pull budget, HEADs only report it; with Redis the budget holds across two nodes. */
class PullLimitTest {
    @TempDir Path dir;

    @Test
    void getsCountHeadsDoNot() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("a"), "--auth-enabled", "false",
                "--ratelimit-pulls-anonymous", "2")) {
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

    @Test
    void unlimitedByDefaultWithoutHeaders() throws Exception {
        try (TestRegistry reg = new TestRegistry(dir.resolve("d"), "--auth-enabled", "false")) {
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
        try (TestRegistry a = new TestRegistry(dir.resolve("a"), "--auth-enabled", "false", "--ratelimit-pulls-anonymous", "3",
                "--ratelimit-pulls-window", window, "--redis-url", "redis://127.0.0.1:6379");
                TestRegistry b = new TestRegistry(dir.resolve("b"), "--auth-enabled", "false",
                        "--ratelimit-pulls-anonymous", "3",
                        "--ratelimit-pulls-window", window, "--redis-url", "redis://127.0.0.1:6379")) {
            a.pushImage("shared/app", "v1", "layer");
            b.pushImage("shared/app", "v1", "layer");
            assertThat(a.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(200);
            assertThat(b.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(200);
            assertThat(a.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(200);
            assertThat(b.get("/v2/shared/app/manifests/v1").statusCode()).isEqualTo(429);
        }
    }
}
