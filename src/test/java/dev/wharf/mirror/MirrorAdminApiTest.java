package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.testing.MutableClock;
import dev.wharf.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /admin/mirrors} over HTTP. The pull budget an upstream states with Docker Hub's {@code ratelimit-limit} /
 * {@code ratelimit-remaining} headers is shown per mirror, as this node last heard it, and as two gauges; an
 * upstream that states none shows none; a redefined mirror forgets what its old definition heard. A mirror's own
 * eviction setting is set, kept, reset to the server's with {@code null}, and refused when out of range.
 */
class MirrorAdminApiTest {
    private static final String REPOSITORY = "lib/app";
    private static final String ACCEPT = "application/vnd.oci.image.manifest.v1+json";
    private static final String ADMIN_PASSWORD = "rate-limit-admin-secret";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));
    private FakeMirrorUpstream upstream;
    private TestServer wharf;

    @BeforeEach
    void start(@TempDir Path data) throws IOException {
        upstream = new FakeMirrorUpstream(REPOSITORY);
        upstream.tags = List.of("v1");
        wharf = upstream.node(data, clock).adminPassword(ADMIN_PASSWORD).flags("--mirrors-revalidate-after", "1m")
                .build();
    }

    @AfterEach
    void stop() {
        if (wharf != null) wharf.close();
        if (upstream != null) upstream.close();
    }

    @Test
    void theBudgetTheUpstreamLastStatedIsShownAndCounted() {
        assertThat(rateLimit().isNull()).as("nothing heard yet").isTrue();

        upstream.pullsLeft = "76";
        assertThat(manifest("v1").statusCode()).isEqualTo(200);
        JsonNode seen = rateLimit();
        assertThat(seen.path("limit").asLong()).isEqualTo(100);
        assertThat(seen.path("remaining").asLong()).isEqualTo(76);
        assertThat(seen.path("window_seconds").asLong()).isEqualTo(21600);
        assertThat(seen.path("stated_at").asText()).isEqualTo("2026-12-06T12:00:00Z");
        assertThat(wharf.metric("wharf_mirror_upstream_ratelimit_limit{mirror=\"up\"}")).isEqualTo(100);
        assertThat(wharf.metric("wharf_mirror_upstream_ratelimit_remaining{mirror=\"up\"}")).isEqualTo(76);

        // The tag's check after the interval is a HEAD, which states the budget too.
        upstream.pullsLeft = "75";
        clock.advance(Duration.ofMinutes(2));
        assertThat(manifest("v1").statusCode()).isEqualTo(200);
        assertThat(rateLimit().path("remaining").asLong()).isEqualTo(75);
        assertThat(wharf.metric("wharf_mirror_upstream_ratelimit_remaining{mirror=\"up\"}")).isEqualTo(75);
    }

    @Test
    void anUpstreamThatStatesNoBudgetShowsNone() {
        assertThat(manifest("v1").statusCode()).isEqualTo(200);
        assertThat(rateLimit().isNull()).isTrue();
        assertThat(TestServer.text(wharf.send("GET", "/metrics", null))).doesNotContain("ratelimit");
    }

    @Test
    void aRedefinedMirrorForgetsWhatItsOldDefinitionHeard() {
        upstream.pullsLeft = "50";
        String definition = "{\"upstream\": \"" + upstream.url() + "\", \"revalidate_seconds\": 60}";
        assertThat(admin("PUT", "/admin/mirrors/other", definition).statusCode()).isEqualTo(201);
        assertThat(wharf.send("GET", "/v2/other/" + REPOSITORY + "/manifests/v1", null, "Accept", ACCEPT)
                .statusCode()).isEqualTo(200);
        assertThat(TestServer.json(admin("GET", "/admin/mirrors/other", null)).path("upstream_rate_limit")
                .path("remaining").asLong()).isEqualTo(50);

        clock.advance(Duration.ofSeconds(1)); // another update time, so another definition
        assertThat(admin("PUT", "/admin/mirrors/other", definition.replace("60", "120")).statusCode()).isEqualTo(200);
        assertThat(TestServer.json(admin("GET", "/admin/mirrors/other", null)).path("upstream_rate_limit").isNull())
                .as("the new definition's upstream has said nothing yet").isTrue();
    }

    @Test
    void aMirrorsEvictionSettingIsItsOwnOrTheServers() {
        String upstreamJson = "\"upstream\": \"" + upstream.url() + "\"";
        JsonNode created = TestServer.json(admin("PUT", "/admin/mirrors/own", "{" + upstreamJson + "}"));
        assertThat(created.path("evict_unused_seconds").isNull()).isTrue();
        assertThat(created.path("evicts_unused_after_seconds").asLong()).as("the server's default: never").isZero();

        JsonNode set = TestServer.json(admin("PUT", "/admin/mirrors/own", "{\"evict_unused_seconds\": 604800}"));
        assertThat(set.path("evict_unused_seconds").asLong()).isEqualTo(604800);
        assertThat(set.path("evicts_unused_after_seconds").asLong()).isEqualTo(604800);
        JsonNode kept = TestServer.json(admin("PUT", "/admin/mirrors/own", "{\"revalidate_seconds\": 120}"));
        assertThat(kept.path("evict_unused_seconds").asLong()).as("left out: kept").isEqualTo(604800);
        JsonNode reset = TestServer.json(admin("PUT", "/admin/mirrors/own", "{\"evict_unused_seconds\": null}"));
        assertThat(reset.path("evict_unused_seconds").isNull()).as("null: the server's again").isTrue();

        for (String wrong : List.of("-1", "\"7d\"", "1.5", "99999999999")) {
            HttpResponse<byte[]> refused = admin("PUT", "/admin/mirrors/own", "{\"evict_unused_seconds\": " + wrong
                    + "}");
            assertThat(refused.statusCode()).as(wrong).isEqualTo(400);
            assertThat(TestServer.json(refused).path("message").asText()).contains("evict_unused_seconds");
        }
    }

    private HttpResponse<byte[]> manifest(String tag) {
        return wharf.send("GET", "/v2/up/" + REPOSITORY + "/manifests/" + tag, null, "Accept", ACCEPT);
    }

    private JsonNode rateLimit() {
        HttpResponse<byte[]> r = admin("GET", "/admin/mirrors/up", null);
        assertThat(r.statusCode()).as(TestServer.text(r)).isEqualTo(200);
        return TestServer.json(r).path("upstream_rate_limit");
    }

    private HttpResponse<byte[]> admin(String method, String path, String body) {
        return wharf.send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                TestServer.header("Content-Type", "application/json", TestServer.basic("admin", ADMIN_PASSWORD)));
    }
}
