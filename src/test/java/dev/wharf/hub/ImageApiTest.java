package dev.wharf.hub;

import static dev.wharf.hub.HubErrorSchema.assertHubError;
import static dev.wharf.hub.ImagesServer.json;
import static dev.wharf.hub.ImagesServer.text;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.contract.OpenApiContract;
import dev.wharf.model.Digest;
import dev.wharf.testing.MutableClock;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image-management endpoints over real HTTP against an in-process node with auth enabled. Every response is
 * checked against the seed: documented statuses with {@link OpenApiContract}, the error statuses it does not
 * list for these operations against its {@code Error}/{@code ValueError} shapes ({@link HubErrorSchema}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageApiTest {
    static final Instant NOW = Instant.parse("2026-03-15T12:00:00Z");
    static final OpenApiContract CONTRACT = OpenApiContract.dockerHubBeta();

    @TempDir
    static Path dir;
    final MutableClock clock = new MutableClock(NOW);
    ImagesServer wharf;
    String admin;
    static final String BOB_PASSWORD = "bob-has-a-long-password";

    @BeforeAll
    void start() {
        wharf = new ImagesServer(TestServer.builder(dir).clock(clock).build());
        wharf.accounts.createUser("bob", "bob@example.com", BOB_PASSWORD, false);
    }

    @AfterAll
    void stop() {
        if (wharf != null) wharf.close();
    }

    void at(Instant instant) {
        clock.advance(Duration.between(clock.instant(), instant));
        admin = wharf.session("admin", ImagesServer.ADMIN_PASSWORD); // sessions last hours; the clock jumps days
    }

    static Instant daysAgo(int days) {
        return NOW.minus(Duration.ofDays(days));
    }

    HttpResponse<byte[]> get(String path, String session) {
        HttpResponse<byte[]> r = session == null ? wharf.send("GET", path, null)
                : wharf.send("GET", path, null, "Authorization", "Bearer " + session);
        return r;
    }

    /** A GET whose status the seed documents: checked against it and expected to succeed. */
    JsonNode ok(String path) {
        HttpResponse<byte[]> r = get(path, admin);
        assertThat(r.statusCode()).as("GET %s: %s", path, text(r)).isEqualTo(200);
        CONTRACT.assertResponseMatches(r);
        return json(r);
    }

    HttpResponse<byte[]> delete(String namespace, String body, String session) {
        HttpResponse<byte[]> r = wharf.send("POST", "/v2/namespaces/" + namespace + "/delete-images",
                body.getBytes(UTF_8), "Content-Type", "application/json", "Authorization", "Bearer " + session);
        if (r.statusCode() == 200 || r.statusCode() == 400) CONTRACT.assertResponseMatches(r);
        return r;
    }

    static List<String> tags(JsonNode results) {
        List<String> out = new ArrayList<>();
        results.forEach(t -> out.add(t.path("tag").asText() + (t.path("is_current").asBoolean() ? "" : " (old)")));
        return out;
    }

    @Test
    void tagsMovedOverTimeAreCurrentOrHistorical() {
        at(daysAgo(10));
        Digest first = wharf.pushImage("acme/tags", "latest", "first");
        wharf.pushImage("acme/tags", "1.0", "first");
        at(daysAgo(5));
        Digest second = wharf.pushImage("acme/tags", "latest", "second");
        at(NOW);

        String base = "/v2/namespaces/acme/repositories/tags/images";
        JsonNode firstTags = ok(base + "/" + first + "/tags");
        assertThat(firstTags.path("count").asInt()).isEqualTo(2);
        assertThat(tags(firstTags.path("results"))).containsExactly("1.0", "latest (old)");
        assertThat(tags(ok(base + "/" + second + "/tags").path("results"))).containsExactly("latest");

        JsonNode page2 = ok(base + "/" + first + "/tags?page=2&page_size=1");
        assertThat(tags(page2.path("results"))).containsExactly("latest (old)");
        assertThat(page2.path("next").isNull()).isTrue();
        assertThat(page2.path("previous").asText()).endsWith(base + "/" + first + "/tags?page_size=1&page=1");

        JsonNode images = ok(base + "?ordering=last_activity");
        assertThat(images.path("count").asInt()).isEqualTo(2);
        JsonNode oldest = images.path("results").path(0);
        assertThat(oldest.path("digest").asText()).isEqualTo(first.toString());
        assertThat(oldest.path("namespace").asText()).isEqualTo("acme");
        assertThat(oldest.path("repository").asText()).isEqualTo("tags");
        assertThat(tags(oldest.path("tags"))).containsExactly("1.0", "latest (old)");
        assertThat(oldest.path("last_pushed").asText()).isEqualTo("2026-03-05T12:00:00.000000Z");
    }

    @Test
    void pulledYesterdayIsActiveUntouchedForTwoMonthsIsNot() throws InterruptedException {
        at(daysAgo(70));
        Digest untouched = wharf.pushImage("acme/activity", "old", "untouched");
        Digest pulled = wharf.pushImage("acme/activity", "used", "pulled");
        at(daysAgo(1));
        assertThat(wharf.pull("acme/activity", "used").statusCode()).isEqualTo(200);
        at(NOW);

        String summary = "/v2/namespaces/acme/repositories/activity/images-summary";
        JsonNode s = ok(summary);
        for (int i = 0; i < 50 && s.path("statistics").path("active").asInt() == 0; i++) {
            Thread.sleep(100); // pulls are written in batches every second
            s = ok(summary);
        }
        assertThat(s.path("active_from").asText()).isEqualTo("2026-02-15T12:00:00.000000Z");
        assertThat(s.path("statistics").path("total").asInt()).isEqualTo(2);
        assertThat(s.path("statistics").path("active").asInt()).isEqualTo(1);
        assertThat(s.path("statistics").path("inactive").asInt()).isEqualTo(1);

        String list = "/v2/namespaces/acme/repositories/activity/images";
        JsonNode active = ok(list + "?status=active").path("results");
        assertThat(active).hasSize(1);
        assertThat(active.path(0).path("digest").asText()).isEqualTo(pulled.toString());
        assertThat(active.path(0).path("status").asText()).isEqualTo("active");
        assertThat(active.path(0).path("last_pulled").asText()).isEqualTo("2026-03-14T12:00:00.000000Z");
        JsonNode inactive = ok(list + "?status=inactive").path("results");
        assertThat(inactive).hasSize(1);
        assertThat(inactive.path(0).path("digest").asText()).isEqualTo(untouched.toString());
        assertThat(inactive.path(0).path("status").asText()).isEqualTo("inactive");
        assertThat(inactive.path(0).path("last_pulled").isNull()).isTrue();
        JsonNode newest = ok(list + "?ordering=-last_activity&page_size=1");
        assertThat(newest.path("results").path(0).path("digest").asText()).isEqualTo(pulled.toString());
        assertThat(newest.path("next").asText()).contains("ordering=-last_activity").endsWith("page=2");
        // an active_from before both pushes makes both active
        assertThat(ok(summary + "?active_from=2025-12-01T00:00:00Z").path("statistics").path("active").asInt())
                .isEqualTo(2);
        assertThat(ok(list + "?currently_tagged=false").path("count").asInt()).isZero();
    }

    @Test
    void aSparseIndexIsOneImageAndItsDetailsNameTheMissingChild() {
        at(NOW);
        Digest amd64 = wharf.pushImage("acme/sparse", null, "amd64");
        int size = wharf.pull("acme/sparse", amd64.toString()).body().length;
        Digest absent = Digest.sha256("an arm64 manifest this mirror never fetched".getBytes(UTF_8));
        Digest index = wharf.pushIndex("acme/sparse", "v1", List.of(amd64, absent), List.of(size, 500));

        JsonNode images = ok("/v2/namespaces/acme/repositories/sparse/images");
        assertThat(images.path("count").asInt()).isEqualTo(1);
        assertThat(images.path("results").get(0).path("digest").asText()).isEqualTo(index.toString());
        assertThat(ok("/v2/namespaces/acme/repositories/sparse/images-summary").path("statistics").path("total")
                .asInt()).isEqualTo(1);
        JsonNode details = json(get("/v2/namespaces/acme/repositories/sparse/images/" + index + "/details", admin));
        assertThat(details.path("manifest").path("manifests").size()).isEqualTo(2);
        assertThat(details.path("missing_children").toString()).isEqualTo("[\"" + absent + "\"]");
        assertThat(json(get("/v2/namespaces/acme/repositories/sparse/images/" + amd64 + "/details", admin))
                .path("missing_children").size()).isZero();
        assertThat(get("/v2/namespaces/acme/repositories/sparse/images/" + absent + "/details", admin).statusCode())
                .isEqualTo(404);
    }

    @Test
    void bulkDeleteWarnsThenDeletesAndLeavesEveryOtherImagePullable() {
        at(daysAgo(70));
        Digest amd64 = wharf.pushImage("acme/cleanup", null, "amd64");
        Digest arm64 = wharf.pushImage("acme/cleanup", null, "arm64");
        int size = wharf.pull("acme/cleanup", amd64.toString()).body().length;
        int size2 = wharf.pull("acme/cleanup", arm64.toString()).body().length;
        wharf.pushIndex("acme/cleanup", "multi", List.of(amd64, arm64), List.of(size, size2));
        Digest stale = wharf.pushImage("acme/cleanup", "stale", "stale");
        wharf.pushImage("acme/cleanup", "keep", "keep");
        at(daysAgo(2));
        Digest recent = wharf.pushImage("acme/cleanup", null, "recent");
        at(NOW);
        String manifests = "\"manifests\":[{\"repository\":\"cleanup\",\"digest\":\"" + stale + "\"},"
                + "{\"repository\":\"acme/cleanup\",\"digest\":\"" + recent + "\"}]";

        HttpResponse<byte[]> warned = delete("acme", "{" + manifests + "}", admin);
        assertThat(warned.statusCode()).isEqualTo(400);
        JsonNode details = json(warned).path("errinfo").path("details");
        assertThat(details.path("errors")).isEmpty();
        assertThat(details.path("warnings").toString()).isEqualTo("[{\"repository\":\"cleanup\",\"digest\":\""
                + stale + "\",\"warning\":\"current_tag\",\"tags\":[\"stale\"]},{\"repository\":\"acme/cleanup\","
                + "\"digest\":\"" + recent + "\",\"warning\":\"is_active\"}]");

        HttpResponse<byte[]> child = delete("acme", "{\"manifests\":[{\"repository\":\"cleanup\",\"digest\":\""
                + amd64 + "\"}]}", admin);
        assertThat(child.statusCode()).isEqualTo(400);
        assertThat(json(child).path("errinfo").path("details").path("errors").toString()).isEqualTo(
                "[{\"repository\":\"cleanup\",\"digest\":\"" + amd64 + "\",\"error\":\"child_manifest\"}]");

        String ignore = ",\"ignore_warnings\":" + details.path("warnings"); // copied from the response, as documented
        HttpResponse<byte[]> dry = delete("acme", "{\"dry_run\":true," + manifests + ignore + "}", admin);
        assertThat(dry.statusCode()).as(text(dry)).isEqualTo(200);
        assertThat(text(dry)).isEqualTo("{\"dry_run\":true,\"metrics\":{\"manifest_deletes\":2,\"manifest_errors\":0,"
                + "\"tag_deletes\":1,\"tag_errors\":0}}");
        assertThat(wharf.pull("acme/cleanup", stale.toString()).statusCode()).as("dry run deletes nothing").isEqualTo(200);

        HttpResponse<byte[]> done = delete("acme", "{" + manifests + ignore + "}", admin);
        assertThat(done.statusCode()).as(text(done)).isEqualTo(200);
        assertThat(json(done).path("dry_run").asBoolean()).isFalse();
        assertThat(json(done).path("metrics").toString()).isEqualTo(
                "{\"manifest_deletes\":2,\"manifest_errors\":0,\"tag_deletes\":1,\"tag_errors\":0}");
        assertThat(wharf.pull("acme/cleanup", stale.toString()).statusCode()).isEqualTo(404);
        assertThat(wharf.pull("acme/cleanup", recent.toString()).statusCode()).isEqualTo(404);
        assertThat(wharf.pull("acme/cleanup", "stale").statusCode()).isEqualTo(404);

        JsonNode remaining = ok("/v2/namespaces/acme/repositories/cleanup/images?page_size=100").path("results");
        assertThat(remaining).hasSize(2); // the index (its children are part of it) and "keep"
        for (JsonNode image : remaining) assertPullable("acme/cleanup", image.path("digest").asText());
    }

    /** GETs the manifest, every manifest an index lists, and every blob an image references. */
    void assertPullable(String repository, String digest) {
        HttpResponse<byte[]> m = wharf.pull(repository, digest);
        assertThat(m.statusCode()).as("manifest %s", digest).isEqualTo(200);
        JsonNode manifest = json(m);
        for (JsonNode child : manifest.path("manifests")) assertPullable(repository, child.path("digest").asText());
        List<String> blobs = new ArrayList<>();
        if (manifest.has("config")) blobs.add(manifest.path("config").path("digest").asText());
        manifest.path("layers").forEach(l -> blobs.add(l.path("digest").asText()));
        for (String blob : blobs) {
            assertThat(wharf.getBlob(repository, blob).statusCode()).as("blob %s of %s", blob, digest).isEqualTo(200);
        }
    }

    @Test
    void callersSeeOnlyWhatTheyMayAndDeleteOnlyWhatTheyMay() {
        at(daysAgo(40));
        Digest open = wharf.pushImage("acme/public", "latest", "public");
        Digest hidden = wharf.pushImage("acme/private", "latest", "private");
        wharf.settings.setPrivate("acme/public", false, null);
        at(NOW);
        String bob = wharf.session("bob", BOB_PASSWORD);

        assertThat(get("/v2/namespaces/acme/repositories/public/images-summary", bob).statusCode()).isEqualTo(200);
        assertHubError(get("/v2/namespaces/acme/repositories/private/images-summary", bob), 404);
        assertHubError(get("/v2/namespaces/acme/repositories/private/images", bob), 404);
        assertHubError(get("/v2/namespaces/acme/repositories/private/images/" + hidden + "/tags", bob), 404);
        assertHubError(get("/v2/namespaces/acme/repositories/nothing/images", admin), 404);
        assertHubError(get("/v2/namespaces/acme/repositories/public/images/" + hidden + "/tags", admin), 404);

        HttpResponse<byte[]> refused = delete("acme", "{\"manifests\":[{\"repository\":\"public\",\"digest\":\"" + open
                + "\"},{\"repository\":\"private\",\"digest\":\"" + hidden + "\"}]}", bob);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(json(refused).path("errinfo").path("details").path("errors").toString()).isEqualTo(
                "[{\"repository\":\"public\",\"digest\":\"" + open + "\",\"error\":\"unauthorized\"},"
                        + "{\"repository\":\"private\",\"digest\":\"" + hidden + "\",\"error\":\"not_found\"}]");

        for (String session : new String[] {null, "not-a-jwt"}) {
            HttpResponse<byte[]> r = get("/v2/namespaces/acme/repositories/public/images", session);
            assertThat(r.statusCode()).isEqualTo(401);
            CONTRACT.assertResponseMatches(r);
            assertHubError(r, 401);
            assertHubError(get("/v2/namespaces/acme/repositories/public/images-summary", session), 401);
        }
        assertHubError(wharf.send("POST", "/v2/namespaces/acme/delete-images", "{}".getBytes(UTF_8)), 401);
    }

    @Test
    void badInputIsRefusedWithTheHubErrorBody() {
        at(daysAgo(3));
        Digest image = wharf.pushImage("acme/input", "latest", "input");
        at(NOW);
        String images = "/v2/namespaces/acme/repositories/input/images";

        assertHubError(get(images + "/not-a-digest/tags", admin), 400);
        assertHubError(get(images + "/sha256:1234/tags", admin), 400);
        assertHubError(get(images + "?page_size=0", admin), 400);
        assertHubError(get(images + "?page_size=101", admin), 400);
        assertHubError(get(images + "/" + image + "/tags?page_size=101", admin), 400);
        assertHubError(get(images + "?page=0", admin), 400);
        assertHubError(get(images + "?page=two", admin), 400);
        assertHubError(get(images + "?status=sleeping", admin), 400);
        assertHubError(get(images + "?ordering=size", admin), 400);
        assertHubError(get(images + "?currently_tagged=maybe", admin), 400);
        assertHubError(get(images + "-summary?active_from=2026-01-01", admin), 400);
        assertHubError(get(images + "?active_from=15%2F01%2F2026", admin), 400);

        JsonNode beyond = ok(images + "?page=9&page_size=100");
        assertThat(beyond.path("count").asInt()).isEqualTo(1);
        assertThat(beyond.path("results")).isEmpty();
        assertThat(beyond.path("previous").asText()).endsWith("page=1");
        assertThat(ok(images + "?page_size=100").path("results")).hasSize(1);

        for (String body : List.of("not json", "[]", "{\"manifests\":{}}", "{\"dry_run\":\"yes\"}",
                "{\"manifests\":[{\"repository\":\"input\",\"digest\":\"sha256:zz\"}]}",
                "{\"manifests\":[{\"repository\":\"other/input\",\"digest\":\"" + image + "\"}]}",
                "{\"active_from\":\"yesterday\",\"manifests\":[{\"repository\":\"input\",\"digest\":\"" + image + "\"}]}",
                "{\"manifests\":[]}")) {
            HttpResponse<byte[]> r = delete("acme", body, admin);
            assertHubError(r, 400);
        }
        assertThat(wharf.pull("acme/input", "latest").statusCode()).isEqualTo(200);
    }

    @Test
    void hubPathsWinOverTheRegistryCatchAllAndNothingElse() {
        at(NOW);
        // A repository whose name looks like a Hub path is still an ordinary OCI repository.
        Digest lookalike = wharf.pushImage("namespaces/acme/repositories/app", "latest", "lookalike");
        wharf.pushImage("acme/app", "latest", "app");
        assertThat(wharf.pull("namespaces/acme/repositories/app", "latest").statusCode()).isEqualTo(200);
        assertThat(wharf.pull("namespaces/acme/repositories/app", lookalike.toString()).statusCode()).isEqualTo(200);

        JsonNode images = ok("/v2/namespaces/acme/repositories/app/images");
        assertThat(images.path("count").asInt()).isEqualTo(1);
        assertThat(images.path("results").path(0).path("repository").asText()).isEqualTo("app");
        // a method the Hub path does not have stays the registry's
        HttpResponse<byte[]> put = wharf.send("PUT", "/v2/namespaces/acme/delete-images", new byte[0],
                "Authorization", "Bearer " + admin);
        assertThat(text(put)).contains("\"errors\"");
    }
}
