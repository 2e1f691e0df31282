package dev.wharf.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-IP pull budgets follow X-Forwarded-For only when the node is told to trust it. */
class ForwardedForTest {
    @TempDir Path dir;

    @Test
    void trustedProxyGivesEachClientItsOwnBudget() {
        try (TestRegistry reg = new TestRegistry(TestServer.builder(dir.resolve("t")).auth(false)
                .flags("--ratelimit-pulls-anonymous", "1", "--http-trust-forwarded-for", "true").build())) {
            reg.pushImage("xff/app", "v1", "layer");
            assertThat(reg.get("/v2/xff/app/manifests/v1", "X-Forwarded-For", "10.0.0.1").statusCode()).isEqualTo(200);
            assertThat(reg.get("/v2/xff/app/manifests/v1", "X-Forwarded-For", "10.0.0.2").statusCode()).isEqualTo(200);
            assertThat(reg.get("/v2/xff/app/manifests/v1", "X-Forwarded-For", "10.0.0.1").statusCode()).isEqualTo(429);
        }
    }

    @Test
    void untrustedHeaderIsIgnored() {
        try (TestRegistry reg = new TestRegistry(TestServer.builder(dir.resolve("u")).auth(false)
                .flags("--ratelimit-pulls-anonymous", "1").build())) {
            reg.pushImage("xff/app", "v1", "layer");
            assertThat(reg.get("/v2/xff/app/manifests/v1", "X-Forwarded-For", "10.0.0.1").statusCode()).isEqualTo(200);
            assertThat(reg.get("/v2/xff/app/manifests/v1", "X-Forwarded-For", "10.0.0.2").statusCode()).isEqualTo(429);
        }
    }
}
