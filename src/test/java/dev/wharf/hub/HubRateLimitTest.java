package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.ADMIN;
import static dev.wharf.hub.HubTestServer.ADMIN_PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubRateLimitTest {

    private static long header(HttpResponse<byte[]> r, String name) {
        return Long.parseLong(r.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name)));
    }

    @Test
    void budgetsPerAccountAndPerAnonymousIpWithHeadersOnEveryAnswer(@TempDir Path dir) {
        try (HubTestServer hub = new HubTestServer(TestServer.builder(dir)
                .flags("--ratelimit-hub-per-minute", "5", "--ratelimit-hub-anonymous-per-minute", "3").build())) {
            long now = System.currentTimeMillis() / 1000;
            HttpResponse<byte[]> login = hub.login(ADMIN, ADMIN_PASSWORD); // anonymous: the IP's budget
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(header(login, "X-RateLimit-Limit")).isEqualTo(3);
            assertThat(header(login, "X-RateLimit-Remaining")).isEqualTo(2);
            assertThat(header(login, "X-RateLimit-Reset")).isBetween(now, now + 70);
            String session = body(login).path("token").asText();

            for (int i = 4; i >= 0; i--) {
                HttpResponse<byte[]> r = hub.as(session, "GET", "/v2/access-tokens", null);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(header(r, "X-RateLimit-Limit")).isEqualTo(5);
                assertThat(header(r, "X-RateLimit-Remaining")).isEqualTo(i);
            }
            // 429 is described by the contract's rate-limiting section, not listed per operation
            HttpResponse<byte[]> spent = hub.as(session, "GET", "/v2/access-tokens", null);
            assertThat(spent.statusCode()).isEqualTo(429);
            assertThat(body(spent).path("detail").asText()).isEqualTo("Rate limit exceeded");
            assertThat(header(spent, "X-RateLimit-Remaining")).isZero();
            assertThat(header(spent, "X-Retry-After")).as("an epoch second, as the contract says")
                    .isBetween(now, now + 70);
            assertThat(header(spent, "Retry-After")).isBetween(1L, 70L);

            // The account's spent budget is not the anonymous IP's, and error answers carry the headers too.
            HttpResponse<byte[]> anonymous = hub.send("GET", "/v2/access-tokens", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(header(anonymous, "X-RateLimit-Limit")).isEqualTo(3);
            assertThat(header(anonymous, "X-RateLimit-Remaining")).isEqualTo(1);
            assertThat(hub.login(ADMIN, "wrong-password").statusCode()).isEqualTo(401);
            HttpResponse<byte[]> anonymousSpent = hub.login(ADMIN, ADMIN_PASSWORD);
            assertThat(anonymousSpent.statusCode()).isEqualTo(429);
            assertThat(body(anonymousSpent).path("detail").asText()).isEqualTo("Rate limit exceeded");
            assertThat(anonymousSpent.headers().firstValue("X-Retry-After")).isPresent();

            // The registry is not the Hub API: no budget there.
            assertThat(hub.send("GET", "/v2/", null).headers().firstValue("X-RateLimit-Limit")).isEmpty();
        }
    }

    @Test
    void switchedOffMeansNoBudgetAndNoHeaders(@TempDir Path dir) {
        try (HubTestServer hub = new HubTestServer(TestServer.builder(dir)
                .flags("--ratelimit-enabled", "false", "--ratelimit-hub-anonymous-per-minute", "1").build())) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<byte[]> r = hub.send("GET", "/v2/access-tokens", null);
                assertThat(r.statusCode()).isEqualTo(401);
                assertThat(r.headers().firstValue("X-RateLimit-Limit")).isEmpty();
            }
        }
    }
}
