package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.model.Digest;
import dev.wharf.testing.MutableClock;
import dev.wharf.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror repository's tag list is its upstream's (every page of it), kept for the revalidation interval; while the
 * upstream fails it is the tags the mirror has fetched, served stale; a repository the upstream does not know is
 * unknown; a Docker Hub name routed to the Hub mirror lists the same way under the name the client used. Referrers
 * likewise come from the upstream's referrers API, filtered by Wharf; an upstream without that API gives a 404, so
 * that clients look for the tag schema's tag, which pulls through.
 */
class MirrorListsTest {
    private static final String REPOSITORY = "lib/app";
    private static final String SECRET = "upstream-secret-4711";

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));
    private FakeMirrorUpstream upstream;
    private TestServer wharf;

    @BeforeEach
    void start(@TempDir Path data) throws IOException {
        upstream = new FakeMirrorUpstream(REPOSITORY);
        upstream.tags = List.of("v10", "a", "v2", "b", "latest", "v1", "c");
        wharf = upstream.node(data, clock).flags("--mirrors-credentials", "up=puller:" + SECRET, "--mirrors-hub", "up",
                "--mirrors-revalidate-after", "10m").build();
    }

    @AfterEach
    void stop() {
        if (wharf != null) wharf.close();
        if (upstream != null) upstream.close();
    }

    @Test
    void listsEveryPageOfTheUpstreamsTagsSortedAndPagesThemItself() {
        HttpResponse<byte[]> all = wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list", null);
        assertThat(all.statusCode()).as(TestServer.text(all)).isEqualTo(200);
        assertThat(tags(all)).containsExactly("a", "b", "c", "latest", "v1", "v10", "v2");
        assertThat(TestServer.json(all).get("name").asText()).isEqualTo("up/" + REPOSITORY);
        assertThat(upstream.tagRequests()).as("the upstream's three pages").hasSize(3);

        HttpResponse<byte[]> page = wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list?n=2&last=b", null);
        assertThat(tags(page)).containsExactly("c", "latest");
        assertThat(page.headers().firstValue("Link"))
                .contains("</v2/up/" + REPOSITORY + "/tags/list?n=2&last=latest>; rel=\"next\"");
        HttpResponse<byte[]> end = wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list?n=5&last=v10", null);
        assertThat(tags(end)).containsExactly("v2");
        assertThat(end.headers().firstValue("Link")).isEmpty();
        assertThat(upstream.tagRequests()).as("kept for the revalidation interval").hasSize(3);
        assertThat(wharf.metric("wharf_mirror_hits_total{kind=\"tags\",mirror=\"up\"}")).isEqualTo(2);
        assertThat(wharf.metric("wharf_mirror_misses_total{kind=\"tags\",mirror=\"up\"}")).isEqualTo(1);
    }

    @Test
    void aTagPushedUpstreamIsListedOnceTheRevalidationIntervalHasPassed() {
        assertThat(tags(wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list", null))).doesNotContain("v3");
        upstream.tags = List.of("v1", "v2", "v3");
        clock.advance(Duration.ofMinutes(9));
        assertThat(tags(wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list", null))).doesNotContain("v3");
        clock.advance(Duration.ofMinutes(2));
        assertThat(tags(wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list", null)))
                .containsExactly("v1", "v2", "v3");
    }

    @Test
    void whileTheUpstreamFailsTheTagsFetchedBeforeAreListedStale() {
        HttpResponse<byte[]> pulled = wharf.send("GET", "/v2/up/" + REPOSITORY + "/manifests/v1", null,
                "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(pulled.statusCode()).as(TestServer.text(pulled)).isEqualTo(200);
        upstream.failWith = 503;

        HttpResponse<byte[]> listed = wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list", null);
        assertThat(listed.statusCode()).as(TestServer.text(listed)).isEqualTo(200);
        assertThat(tags(listed)).containsExactly("v1");
        assertThat(wharf.metric("wharf_mirror_stale_serves_total{mirror=\"up\"}")).isEqualTo(1);

        // A repository with nothing fetched has nothing to fall back on: the upstream's problem, without secrets.
        HttpResponse<byte[]> other = wharf.send("GET", "/v2/up/lib/other/tags/list", null);
        assertThat(other.statusCode()).isEqualTo(503);
        assertThat(TestServer.text(other)).contains("UNAVAILABLE").contains("HTTP 503").contains(upstream.url())
                .doesNotContain(SECRET);

        upstream.failWith = 0;
        clock.advance(Duration.ofMinutes(11));
        assertThat(tags(wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list", null))).hasSize(7);
    }

    @Test
    void aRepositoryTheUpstreamDoesNotKnowIsUnknown() {
        HttpResponse<byte[]> unknown = wharf.send("GET", "/v2/up/lib/missing/tags/list", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(TestServer.text(unknown)).contains("NAME_UNKNOWN").contains("lib/missing");
    }

    @Test
    void aNextPageOnAnotherOriginIsNotFollowed() {
        upstream.nextOrigin = "http://localhost:" + upstream.port();
        HttpResponse<byte[]> listed = wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list", null);
        assertThat(listed.statusCode()).isEqualTo(503);
        assertThat(TestServer.text(listed)).contains("another origin");
        assertThat(upstream.tagRequests()).as("the credentials went nowhere else").hasSize(1);
    }

    @Test
    void aTagListWhosePagesLinkBackEnds() {
        upstream.loopingLinks = true;
        HttpResponse<byte[]> listed = wharf.send("GET", "/v2/up/" + REPOSITORY + "/tags/list", null);
        assertThat(listed.statusCode()).isEqualTo(503);
        assertThat(TestServer.text(listed)).contains("does not end");
        assertThat(upstream.tagRequests()).as("the first page, then page=0 once").hasSize(2);
    }

    @Test
    void aDockerHubNameListsThroughTheHubMirrorUnderItsOwnName() {
        HttpResponse<byte[]> page = wharf.send("GET", "/v2/" + REPOSITORY + "/tags/list?n=3", null);
        assertThat(page.statusCode()).as(TestServer.text(page)).isEqualTo(200);
        assertThat(TestServer.json(page).get("name").asText()).isEqualTo(REPOSITORY);
        assertThat(tags(page)).containsExactly("a", "b", "c");
        assertThat(page.headers().firstValue("Link"))
                .contains("</v2/" + REPOSITORY + "/tags/list?n=3&last=c>; rel=\"next\"");
    }

    @Test
    void listsTheUpstreamsReferrersAndFiltersThemHere() {
        String path = "/v2/up/" + REPOSITORY + "/referrers/" + Digest.sha256(upstream.manifest);
        HttpResponse<byte[]> all = wharf.send("GET", path, null);
        assertThat(all.statusCode()).as(TestServer.text(all)).isEqualTo(200);
        assertThat(all.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/vnd.oci.image.index.v1+json"));
        assertThat(digests(all)).containsExactly(Digest.sha256(upstream.referrer).toString(),
                Digest.sha256(new byte[] {9}).toString());

        HttpResponse<byte[]> sboms = wharf.send("GET", path + "?artifactType=application/spdx%2Bjson", null);
        assertThat(digests(sboms)).containsExactly(Digest.sha256(new byte[] {9}).toString());
        assertThat(sboms.headers().firstValue("OCI-Filters-Applied")).contains("artifactType");
        assertThat(upstream.requests.stream().filter(r -> r.contains("/referrers/")))
                .as("both pages once, then kept for the revalidation interval").hasSize(2);
        assertThat(wharf.metric("wharf_mirror_hits_total{kind=\"referrers\",mirror=\"up\"}")).isEqualTo(1);

        // Under the Docker Hub name the Hub mirror answers too.
        assertThat(digests(wharf.send("GET", "/v2/" + REPOSITORY + "/referrers/" + Digest.sha256(upstream.manifest),
                null))).hasSize(2);
    }

    @Test
    void anUpstreamWithoutTheReferrersApiGivesA404SoThatClientsUseTheTagSchema() {
        upstream.referrersApi = false;
        Digest subject = Digest.sha256(upstream.manifest);
        HttpResponse<byte[]> refused = wharf.send("GET", "/v2/up/" + REPOSITORY + "/referrers/" + subject, null);
        assertThat(refused.statusCode()).isEqualTo(404);
        assertThat(TestServer.text(refused)).contains("\"errors\"").contains("no referrers API")
                .contains(subject.toString().replace(':', '-'));
        // The tag schema's tag is an ordinary tag: pulled through.
        HttpResponse<byte[]> tagged = wharf.send("GET", "/v2/up/" + REPOSITORY + "/manifests/"
                + subject.toString().replace(':', '-'), null, "Accept", "application/vnd.oci.image.manifest.v1+json");
        assertThat(tagged.statusCode()).as(TestServer.text(tagged)).isEqualTo(200);
    }

    @Test
    void whileTheUpstreamFailsTheReferrersStoredHereAreListedStale() throws InterruptedException {
        String referrer = Digest.sha256(upstream.referrer).toString();
        // The referrer pulled through by digest, with its blobs, becomes ordinary content here.
        assertThat(wharf.send("GET", "/v2/up/" + REPOSITORY + "/manifests/" + referrer, null, "Accept",
                "application/vnd.oci.image.manifest.v1+json").statusCode()).isEqualTo(200);
        for (byte[] blob : List.of("{}".getBytes(StandardCharsets.UTF_8), new byte[] {2})) {
            assertThat(wharf.send("GET", "/v2/up/" + REPOSITORY + "/blobs/" + Digest.sha256(blob), null).body())
                    .isEqualTo(blob);
        }
        upstream.failWith = 503;
        String path = "/v2/up/" + REPOSITORY + "/referrers/" + Digest.sha256(upstream.manifest);
        HttpResponse<byte[]> listed = wharf.send("GET", path, null);
        for (int i = 0; i < 100 && listed.statusCode() != 200; i++) { // until the referrer is promoted
            assertThat(listed.statusCode()).as(TestServer.text(listed)).isEqualTo(503);
            Thread.sleep(50);
            listed = wharf.send("GET", path, null);
        }
        assertThat(digests(listed)).containsExactly(referrer);
        assertThat(wharf.metric("wharf_mirror_stale_serves_total{mirror=\"up\"}")).isEqualTo(1);
    }

    private static List<String> digests(HttpResponse<byte[]> index) {
        JsonNode manifests = TestServer.json(index).get("manifests");
        return StreamSupport.stream(manifests.spliterator(), false).map(d -> d.get("digest").asText()).toList();
    }

    private static List<String> tags(HttpResponse<byte[]> r) {
        JsonNode tags = TestServer.json(r).get("tags");
        return StreamSupport.stream(tags.spliterator(), false).map(JsonNode::asText).toList();
    }
}
