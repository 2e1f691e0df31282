package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.testing.MutableClock;
import dev.wharf.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that failed as down (here: 503) is left alone for {@link UpstreamOutages#PAUSE}: a cached tag due for
 * its check is served stale without asking it, a miss fails at once with its problem; after the pause one request
 * asks again, and once the upstream answers everything goes to it as before. An upstream's Retry-After (a 429 or
 * 503) makes the pause as long as it asks, up to {@link UpstreamOutages#MAX_PAUSE}, and clients are told it. A 404 is an answer, not an outage.
 */
class MirrorOutageTest {
    private static final String REPOSITORY = "lib/app";
    private static final String ACCEPT = "application/vnd.oci.image.manifest.v1+json";
    private static final String ADMIN_PASSWORD = "outage-admin-secret";

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
    void aDownUpstreamIsLeftAloneForThePauseThenAskedAgainByOneRequest() {
        assertThat(manifest("v1").statusCode()).isEqualTo(200);
        upstream.failWith = 503;
        clock.advance(Duration.ofMinutes(2)); // v1 is due for its check

        // The first request finds the upstream down and serves the cached tag stale.
        int before = upstream.requests.size();
        assertThat(manifest("v1").statusCode()).isEqualTo(200);
        assertThat(upstream.requests).hasSize(before + 1);
        // Within the pause: stale without asking, and a miss fails at once with the upstream's problem.
        assertThat(manifest("v1").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> miss = wharf.send("GET", "/v2/up/lib/other/manifests/1", null, "Accept", ACCEPT);
        assertThat(miss.statusCode()).isEqualTo(503);
        assertThat(TestServer.text(miss)).contains("UNAVAILABLE").contains("HTTP 503").contains("asked again in");
        assertThat(upstream.requests).as("nothing sent during the pause").hasSize(before + 1);
        assertThat(wharf.metric("wharf_mirror_upstream_skipped_total{mirror=\"up\"}")).isEqualTo(2);
        assertThat(wharf.metric("wharf_mirror_stale_serves_total{mirror=\"up\"}")).isEqualTo(2);
        // The admin view says so: since when, why, and when this node asks again.
        JsonNode down = upstreamDown();
        assertThat(down.path("since").asText()).isEqualTo("2026-12-06T12:02:00Z");
        assertThat(down.path("last_failure").asText()).contains("HTTP 503");
        assertThat(down.path("next_try").asText()).isEqualTo("2026-12-06T12:02:05Z");

        // After the pause one request asks again; still down, so the pause starts over.
        clock.advance(UpstreamOutages.PAUSE.plusMillis(1));
        assertThat(manifest("v1").statusCode()).isEqualTo(200);
        assertThat(manifest("v1").statusCode()).isEqualTo(200);
        assertThat(upstream.requests).hasSize(before + 2);

        // Back: the next request after the pause gets through, and so does everything after it.
        upstream.failWith = 0;
        clock.advance(UpstreamOutages.PAUSE.plusMillis(1));
        assertThat(manifest("v1").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> listed = wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list", null);
        assertThat(listed.statusCode()).as(TestServer.text(listed)).isEqualTo(200);
        assertThat(upstream.requests.size()).isGreaterThanOrEqualTo(before + 4);
        assertThat(upstreamDown().isNull()).as("answering again").isTrue();
    }

    @Test
    void anUpstreamThatAsksWithRetryAfterIsLeftAloneThatLongAndClientsAreToldWhy() {
        upstream.failWith = 429;
        upstream.failRetryAfter = "30";
        upstream.failBody = "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"You have reached your pull"
                + " rate limit.\\nUpgrade.\"}]}";

        HttpResponse<byte[]> first = manifest("v1");
        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(TestServer.text(first)).contains("HTTP 429; it asks to be left alone for 30 s")
                .as("the upstream's own words are not repeated").doesNotContain("rate limit");
        assertThat(first.headers().firstValue("Retry-After")).hasValue("30");
        assertThat(upstream.requests).hasSize(1);

        // Past the usual pause, still within what the upstream asked: not asked, and the client hears how long.
        clock.advance(Duration.ofSeconds(6));
        HttpResponse<byte[]> skipped = manifest("v1");
        assertThat(skipped.statusCode()).isEqualTo(503);
        assertThat(skipped.headers().firstValue("Retry-After")).hasValue("24");
        assertThat(TestServer.text(skipped)).contains("asked again in 24 s");
        assertThat(upstream.requests).hasSize(1);

        upstream.failWith = 0;
        clock.advance(Duration.ofSeconds(24));
        assertThat(manifest("v1").statusCode()).as("asked once its wait is over").isEqualTo(200);
        assertThat(upstream.requests).hasSize(2);
    }

    @Test
    void aRetryAfterLongerThanTheMirrorsLongestPauseIsCut() {
        upstream.failWith = 503;
        upstream.failRetryAfter = "86400";
        HttpResponse<byte[]> first = manifest("v1");
        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(first.headers().firstValue("Retry-After")).hasValue(String.valueOf(UpstreamOutages.MAX_PAUSE
                .toSeconds()));

        clock.advance(UpstreamOutages.MAX_PAUSE.minusSeconds(1));
        assertThat(manifest("v1").statusCode()).isEqualTo(503);
        assertThat(upstream.requests).hasSize(1);
        upstream.failWith = 0;
        clock.advance(Duration.ofSeconds(1));
        assertThat(manifest("v1").statusCode()).isEqualTo(200);
        assertThat(upstream.requests).hasSize(2);
    }

    @Test
    void theFirstFailureTellsTheClientTheMirrorsOwnPauseWhenTheUpstreamAskedForLessOrNothing() {
        upstream.failWith = 429;
        upstream.failRetryAfter = "2";
        HttpResponse<byte[]> first = manifest("v1");
        assertThat(first.statusCode()).isEqualTo(503);
        // The node leaves the upstream alone for its pause, so a client told 2 s would only be failed at once again.
        assertThat(first.headers().firstValue("Retry-After")).hasValue(String.valueOf(UpstreamOutages.PAUSE
                .toSeconds()));
        clock.advance(Duration.ofSeconds(3));
        assertThat(manifest("v1").headers().firstValue("Retry-After")).hasValue("2");
        assertThat(upstream.requests).as("not asked within the pause").hasSize(1);

        // An upstream that fails without asking for anything: the client hears the pause as well.
        clock.advance(UpstreamOutages.PAUSE);
        upstream.failRetryAfter = null;
        upstream.failWith = 503;
        HttpResponse<byte[]> again = manifest("v1");
        assertThat(again.statusCode()).isEqualTo(503);
        assertThat(upstream.requests).hasSize(2);
        assertThat(again.headers().firstValue("Retry-After")).hasValue(String.valueOf(UpstreamOutages.PAUSE
                .toSeconds()));
    }

    @Test
    void aRepositoryTheUpstreamDoesNotHaveIsNoOutage() {
        assertThat(wharf.send("GET", "/v2/up/lib/missing/manifests/1", null, "Accept", ACCEPT).statusCode())
                .isEqualTo(404);
        assertThat(manifest("v1").statusCode()).as("asked at once").isEqualTo(200);
        assertThat(upstream.requests).hasSize(2);
    }

    private JsonNode upstreamDown() {
        HttpResponse<byte[]> r = wharf.send("GET", "/admin/mirrors/up", null, TestServer.basic("admin", ADMIN_PASSWORD));
        assertThat(r.statusCode()).as(TestServer.text(r)).isEqualTo(200);
        return TestServer.json(r).path("upstream_down");
    }

    private HttpResponse<byte[]> manifest(String tag) {
        return wharf.send("GET", "/v2/up/" + REPOSITORY + "/manifests/" + tag, null, "Accept", ACCEPT);
    }
}
