package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.testing.MutableClock;
import dev.wharf.testing.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;

/**
 * Two nodes with the same redis.url in front of one upstream that answers 429 (Docker Hub's pull limit): what the
 * first node finds, the second takes over without asking, so the cluster sends the upstream one request per pause
 * instead of one per node. Before, each node found out for itself: one more 429 per node and pause (and, for an
 * upstream that hangs, one more timeout). The nodes have databases of their own; their mirror definitions match
 * because both applied mirrors.upstreams at the same (test) instant, as nodes on one database share one row.
 */
class MirrorOutageAcrossNodesTest {
    private static final String REDIS = "redis://127.0.0.1:6379";
    private static final String ACCEPT = "application/vnd.oci.image.manifest.v1+json";
    private static final String ADMIN_PASSWORD = "across-nodes-admin-secret";

    /** An instant of this run's own, so that its definition (and Redis key) is apart from every other run's. */
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-07T03:00:00Z")
            .plusMillis(ThreadLocalRandom.current().nextLong(1, 1_000_000_000L)));
    /** The definition's key in Redis: the mirror's name and the instant both nodes applied it at. */
    private final String key = RedisOutageBoard.PREFIX + "up|" + clock.instant().toEpochMilli();
    private final JedisPooled redis = new JedisPooled(URI.create(REDIS));
    private FakeMirrorUpstream upstream;
    private TestServer a;
    private TestServer b;

    @BeforeEach
    void start(@TempDir Path data) throws IOException {
        upstream = new FakeMirrorUpstream("lib/app");
        upstream.tags = List.of("v1");
        a = upstream.node(Files.createDirectory(data.resolve("a")), clock).adminPassword(ADMIN_PASSWORD)
                .flags("--redis-url", REDIS).build();
        b = upstream.node(Files.createDirectory(data.resolve("b")), clock).adminPassword(ADMIN_PASSWORD)
                .flags("--redis-url", REDIS).build();
    }

    @AfterEach
    void stop() {
        redis.del(key);
        if (a != null) a.close();
        if (b != null) b.close();
        if (upstream != null) upstream.close();
        redis.close();
    }

    @Test
    void anOutageOneNodeFindsIsTakenOverByTheOtherWithoutAsking() {
        upstream.failWith = 429;
        upstream.failRetryAfter = "30";
        HttpResponse<byte[]> first = manifest(a);
        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(upstream.requests).hasSize(1);
        assertThat(redis.get(key)).as("posted").contains("HTTP 429");
        // The other node's admin view shows it before that node has served a pull.
        JsonNode down = upstreamDown(b);
        assertThat(down.path("last_failure").asText()).contains("HTTP 429").contains("found by another node");
        assertThat(down.path("next_try").asText()).isEqualTo(clock.instant().plusSeconds(30).toString());

        clock.advance(Duration.ofSeconds(10));
        HttpResponse<byte[]> other = manifest(b);
        assertThat(other.statusCode()).isEqualTo(503);
        assertThat(upstream.requests).as("the second node did not ask").hasSize(1);
        assertThat(TestServer.text(other)).contains("HTTP 429").contains("found by another node")
                .contains("asked again in 20 s");
        assertThat(other.headers().firstValue("Retry-After")).hasValue("20");
        assertThat(b.metric("wharf_mirror_upstream_skipped_total{mirror=\"up\"}")).isEqualTo(1);

        // The pause is over: one node asks, the upstream answers, and the other node goes to it as well.
        upstream.failWith = 0;
        clock.advance(Duration.ofSeconds(20));
        assertThat(manifest(b).statusCode()).isEqualTo(200);
        assertThat(upstream.requests.size()).isGreaterThan(1);
        assertThat(redis.exists(key)).as("the outage was cleared").isFalse();
        assertThat(manifest(a).statusCode()).isEqualTo(200);
        assertThat(upstreamDown(a).isNull()).as("answering again, on both").isTrue();
        assertThat(upstreamDown(b).isNull()).isTrue();
    }

    @Test
    void aNodeWhosePauseIsOverTakesOverTheNewerPauseAnotherNodeFoundInsteadOfAsking() {
        upstream.failWith = 503; // no Retry-After: the 5 s pause
        assertThat(manifest(a).statusCode()).isEqualTo(503);
        assertThat(manifest(b).statusCode()).isEqualTo(503);
        assertThat(upstream.requests).as("b took a's outage over").hasSize(1);

        // Both pauses are over; a asks again and the upstream is still down: b keeps away for a's new pause.
        clock.advance(UpstreamOutages.PAUSE.plusSeconds(1));
        assertThat(manifest(a).statusCode()).isEqualTo(503);
        assertThat(upstream.requests).hasSize(2);
        assertThat(manifest(b).statusCode()).isEqualTo(503);
        assertThat(upstream.requests).as("b did not ask within a's new pause").hasSize(2);
    }

    private static JsonNode upstreamDown(TestServer node) {
        HttpResponse<byte[]> r = node.send("GET", "/admin/mirrors/up", null, TestServer.basic("admin", ADMIN_PASSWORD));
        assertThat(r.statusCode()).as(TestServer.text(r)).isEqualTo(200);
        return TestServer.json(r).path("upstream_down");
    }

    private HttpResponse<byte[]> manifest(TestServer node) {
        return node.send("GET", "/v2/up/lib/app/manifests/v1", null, "Accept", ACCEPT);
    }
}
