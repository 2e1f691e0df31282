package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Repository names with a slash below the namespace in the Hub's repository paths: a pull-through mirror's
 * {@code hub/library/alpine} (mirroring another Wharf node's {@code library/alpine}) and a user's private
 * {@code nowner/tools/cli}. Each is addressed URL-encoded ({@code library%2Falpine}) and as plain segments, on the
 * current and the older paths, for the repository view, tags and images; outsiders and anonymous callers get the
 * same 404 as for a missing repository.
 */
class HubNestedNamesTest {
    private static final String TAG = "3.20";
    static TestServer upstream;
    static HubTestServer hub;
    static String owner;
    static String outsider;
    static String admin;
    static String digest;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestServer.builder().auth(false).build();
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        digest = upstream.pushImage("library/alpine", TAG, config, "alpine layer".getBytes(StandardCharsets.UTF_8))
                .created().digest().toString();
        hub = new HubTestServer(TestServer.builder().flags("--mirrors-upstreams", "hub=" + upstream.base,
                "--outbound-allow", "127.0.0.1/32", "--mirrors-anonymous-pulls", "false").build());
        hub.createUser("nowner");
        hub.createUser("noutsider");
        owner = hub.session("nowner", PASSWORD);
        outsider = hub.session("noutsider", PASSWORD);
        admin = hub.session(HubTestServer.ADMIN, HubTestServer.ADMIN_PASSWORD);
        RegistryClient registry = new RegistryClient(hub);
        assertThat(registry.pushImage("nowner", PASSWORD, "nowner/tools/cli", "v1", "cli").statusCode())
                .isEqualTo(201); // private: the default

        // A cold pull through the mirror as any signed-in user; the image is promoted once its blobs are here.
        String token = registry.token("noutsider", PASSWORD, "repository:hub/library/alpine:pull");
        HttpResponse<byte[]> manifest = registry.pullManifest(token, "hub/library/alpine", TAG);
        assertThat(manifest.statusCode()).as(text(manifest)).isEqualTo(200);
        for (JsonNode blob : listedBlobs(body(manifest))) {
            HttpResponse<byte[]> got = hub.wharf.send("GET", "/v2/hub/library/alpine/blobs/" + blob.asText(), null,
                    TestServer.bearer(token));
            assertThat(got.statusCode()).isEqualTo(200);
        }
        awaitUntil(() -> text(get(owner, "/v2/namespaces/hub/repositories/library%2Falpine/tags")).contains(TAG)
                && body(get(owner, "/v2/namespaces/hub/repositories/library%2Falpine")).path("mirror")
                        .path("misses").asLong() > 0);
    }

    @AfterAll
    static void stop() {
        if (hub != null) hub.close();
        if (upstream != null) upstream.close();
    }

    private static List<JsonNode> listedBlobs(JsonNode manifest) {
        java.util.ArrayList<JsonNode> digests = new java.util.ArrayList<>();
        digests.add(manifest.path("config").path("digest"));
        manifest.path("layers").forEach(l -> digests.add(l.path("digest")));
        return digests;
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 15 s for the mirror").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static HttpResponse<byte[]> get(String session, String path) {
        return session == null ? hub.send("GET", path, null) : hub.as(session, "GET", path, null);
    }

    /** The same answer for every spelling of one path. */
    private static JsonNode same(String session, int status, String... paths) {
        JsonNode first = null;
        for (String path : paths) {
            HttpResponse<byte[]> r = get(session, path);
            assertThat(r.statusCode()).as("%s: %s", path, text(r)).isEqualTo(status);
            JsonNode b = body(r);
            if (first == null) {
                first = b;
            } else if (status == 200) {
                assertThat(b).as(path).isEqualTo(first);
            }
        }
        return first;
    }

    @Test
    void aMirrorsNestedRepositoryShowsAsAMirrorInEveryForm() {
        JsonNode repo = same(owner, 200, "/v2/namespaces/hub/repositories/library%2Falpine",
                "/v2/namespaces/hub/repositories/library/alpine", "/v2/repositories/hub/library%2Falpine/",
                "/v2/repositories/hub/library/alpine/", "/v2/repositories/hub/library/alpine");
        assertThat(repo.path("namespace").asText()).isEqualTo("hub");
        assertThat(repo.path("name").asText()).isEqualTo("library/alpine");
        JsonNode mirror = repo.path("mirror");
        assertThat(mirror.path("name").asText()).isEqualTo("hub");
        assertThat(mirror.path("upstream").asText()).isEqualTo(upstream.base);
        assertThat(mirror.path("upstream_repository").asText()).isEqualTo("library/alpine");
        assertThat(mirror.path("last_revalidated").isTextual()).as(mirror.toString()).isTrue();
        assertThat(mirror.path("misses").asLong()).isPositive();
        assertThat(mirror.path("hits").isNumber()).isTrue();
        assertThat(repo.path("tag_count").asInt()).isEqualTo(1);

        // The namespace's list links the same entry.
        JsonNode list = same(owner, 200, "/v2/namespaces/hub/repositories");
        assertThat(list.path("results").findValuesAsText("name")).contains("library/alpine");
    }

    @Test
    void tagsAndImagesOfANestedRepository() {
        JsonNode tags = same(owner, 200, "/v2/namespaces/hub/repositories/library%2Falpine/tags",
                "/v2/namespaces/hub/repositories/library/alpine/tags", "/v2/repositories/hub/library/alpine/tags/");
        assertThat(tags.path("results").findValuesAsText("name")).containsExactly(TAG);
        JsonNode tag = same(owner, 200, "/v2/namespaces/hub/repositories/library%2Falpine/tags/" + TAG,
                "/v2/namespaces/hub/repositories/library/alpine/tags/" + TAG,
                "/v2/repositories/hub/library/alpine/tags/" + TAG + "/");
        assertThat(tag.path("name").asText()).isEqualTo(TAG);
        assertThat(tag.path("digest").asText()).isEqualTo(digest);

        JsonNode images = same(owner, 200, "/v2/namespaces/hub/repositories/library%2Falpine/images",
                "/v2/namespaces/hub/repositories/library/alpine/images");
        assertThat(images.path("results").findValuesAsText("digest")).containsExactly(digest);
        JsonNode summary = same(owner, 200,
                "/v2/namespaces/hub/repositories/library%2Falpine/images-summary?active_from=2026-01-01T00:00:00Z",
                "/v2/namespaces/hub/repositories/library/alpine/images-summary?active_from=2026-01-01T00:00:00Z");
        assertThat(summary.path("statistics").path("total").asInt()).isEqualTo(1);
        JsonNode imageTags = same(owner, 200,
                "/v2/namespaces/hub/repositories/library%2Falpine/images/" + digest + "/tags",
                "/v2/namespaces/hub/repositories/library/alpine/images/" + digest + "/tags");
        assertThat(imageTags.toString()).contains(TAG);
        JsonNode details = same(owner, 200,
                "/v2/namespaces/hub/repositories/library%2Falpine/images/" + digest + "/details",
                "/v2/namespaces/hub/repositories/library/alpine/images/" + digest + "/details");
        assertThat(details.toString()).contains(digest);
        same(owner, 200, "/v2/namespaces/hub/repositories/library/alpine/pulls-per-day");
    }

    @Test
    void privacyHoldsForNestedNames() {
        List<String[]> cli = List.of(
                new String[] {"/v2/namespaces/nowner/repositories/tools%2Fcli",
                    "/v2/namespaces/nowner/repositories/tools/cli", "/v2/repositories/nowner/tools/cli/"},
                new String[] {"/v2/namespaces/nowner/repositories/tools/cli/tags",
                    "/v2/namespaces/nowner/repositories/tools%2Fcli/tags"},
                new String[] {"/v2/namespaces/nowner/repositories/tools%2Fcli/tags/v1",
                    "/v2/repositories/nowner/tools/cli/tags/v1"},
                new String[] {"/v2/namespaces/nowner/repositories/tools/cli/images",
                    "/v2/namespaces/nowner/repositories/tools%2Fcli/images"},
                new String[] {"/v2/namespaces/nowner/repositories/tools/cli/images-summary"});
        for (String[] paths : cli) {
            same(owner, 200, paths);
            same(outsider, 404, paths); // exactly like a repository that does not exist
            // Anonymous callers: the same 404, except for the image views, which want a session first.
            same(null, paths[0].contains("/images") ? 401 : 404, paths);
        }
        same(outsider, 404, "/v2/namespaces/nowner/repositories/tools/nothing",
                "/v2/namespaces/nowner/repositories/tools%2Fnothing");
        // The mirror takes no anonymous pulls, so anonymous callers do not see its repositories either.
        same(null, 404, "/v2/namespaces/hub/repositories/library%2Falpine", "/v2/namespaces/hub/repositories/library/alpine",
                "/v2/namespaces/hub/repositories/library/alpine/tags");
        assertThat(body(get(owner, "/v2/namespaces/nowner/repositories/tools/cli")).path("name").asText())
                .isEqualTo("tools/cli");
        // Deleting needs the repository's admin right: the outsider still sees a 404, not a 403.
        assertThat(hub.as(outsider, "DELETE", "/v2/repositories/nowner/tools/cli/", null).statusCode()).isEqualTo(404);
        assertThat(hub.as(outsider, "DELETE", "/v2/repositories/nowner/tools%2Fcli/", null).statusCode())
                .isEqualTo(404);
    }

    @Test
    void segmentsReadLikeTheOneSegmentRoutesAndRegistryRequestsStayTheRegistrys() {
        // …/library/alpine/tags is the tag list of library/alpine; the repository "library/alpine/tags" (which
        // does not exist) is only named encoded.
        assertThat(get(owner, "/v2/namespaces/hub/repositories/library/alpine/tags").statusCode()).isEqualTo(200);
        HttpResponse<byte[]> encoded = get(owner, "/v2/namespaces/hub/repositories/library%2Falpine%2Ftags");
        assertThat(encoded.statusCode()).isEqualTo(404);
        assertThat(body(encoded).path("message").asText()).isEqualTo("Object not found");
        // Not a repository name: the Hub's 404.
        assertThat(get(owner, "/v2/namespaces/hub/repositories/library/Alpine").statusCode()).isEqualTo(404);
        assertThat(get(owner, "/v2/namespaces/hub/repositories/library%2F..%2Falpine").statusCode()).isEqualTo(404);
        // A registry request of a repository whose name starts like a Hub path goes on to the registry, which
        // answers in its own format.
        HttpResponse<byte[]> registry = hub.as(admin, "DELETE",
                "/v2/namespaces/hub/repositories/library/alpine/manifests/" + digest, null);
        assertThat(text(registry)).contains("\"errors\"");
        HttpResponse<byte[]> tagList = get(admin, "/v2/repositories/hub/library/alpine/tags/list");
        assertThat(tagList.statusCode()).isEqualTo(404); // no tag "list", and no registry repository of that name
        assertThat(body(tagList).has("message")).as(text(tagList)).isTrue(); // the Hub's 404, not the registry's
        assertThat(body(tagList).has("errors")).isFalse();
    }

}
