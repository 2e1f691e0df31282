package dev.wharf.hub;

import static dev.wharf.hub.ImagesServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.model.Digest;
import dev.wharf.testing.StatementMeter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image management views (images-summary, images with their current and former tags, an image's tags) cost
 * the same number of SQL statements for 2 rows as for 40 ({@link StatementMeter}). "admin/small" has 2 images,
 * "admin/large" 40, each tagged twice (one tag moved away later: a former tag); the first image of each also
 * carries 2 or 40 tags of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageViewQueriesTest {
    private static final int LARGE = 40;
    ImagesServer wharf;
    StatementMeter meter;
    String session;
    final List<Digest> first = new ArrayList<>();

    /** Extra server flags: none for SQLite; the PostgreSQL subclass points the server at a schema of its own. */
    String[] databaseArgs() {
        return new String[0];
    }

    @BeforeAll
    void start(@TempDir Path dir) {
        wharf = new ImagesServer(dir, Instant.parse("2026-01-10T00:00:00Z"), databaseArgs());
        meter = new StatementMeter(() -> wharf.send("GET", "/metrics", null));
        session = wharf.session("admin", ImagesServer.ADMIN_PASSWORD);
        fill("admin/small", 2);
        fill("admin/large", LARGE);
    }

    private void fill(String repository, int n) {
        Digest head = null;
        for (int i = 0; i < n; i++) {
            Digest d = wharf.pushImage(repository, "v" + i, repository + "-" + i);
            wharf.pushImage(repository, "moving", repository + "-" + i); // the tag moves on: a former tag of d
            if (head == null) head = d;
        }
        for (int i = 0; i < n; i++) wharf.pushImage(repository, "extra-" + i, repository + "-0");
        first.add(head);
    }

    @AfterAll
    void stop() {
        wharf.close();
    }

    @Test
    void imagesListsAndSummaries() {
        assertBounded("/v2/namespaces/admin/repositories/%s/images?page_size=100", 10);
        assertBounded("/v2/namespaces/admin/repositories/%s/images?page_size=100&status=active"
                + "&currently_tagged=true&ordering=digest", 10);
        assertBounded("/v2/namespaces/admin/repositories/%s/images-summary", 10);
        JsonNode large = get("/v2/namespaces/admin/repositories/large/images?page_size=100");
        assertThat(large.path("count").asInt()).isEqualTo(LARGE);
        for (JsonNode image : large.path("results")) {
            assertThat(image.path("tags").size()).as(image.toString()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void tagsOfAnImage() {
        long small = meter.fewest(() -> request("/v2/namespaces/admin/repositories/small/images/" + first.get(0)
                + "/tags?page_size=100"));
        long large = meter.fewest(() -> request("/v2/namespaces/admin/repositories/large/images/" + first.get(1)
                + "/tags?page_size=100"));
        System.out.printf("statements image tags: 2 rows %d, 40 rows %d%n", small, large);
        assertThat(large).isEqualTo(small).isLessThanOrEqualTo(10);
        JsonNode tags = json(request("/v2/namespaces/admin/repositories/large/images/" + first.get(1)
                + "/tags?page_size=100"));
        assertThat(tags.path("count").asInt()).isEqualTo(LARGE + 2); // v0, extra-0..39 now; moving before
    }

    /** The list of "large" costs what the list of "small" does, and at most {@code bound}. */
    private void assertBounded(String pathOfRepository, long bound) {
        long small = meter.fewest(() -> request(pathOfRepository.formatted("small")));
        long large = meter.fewest(() -> request(pathOfRepository.formatted("large")));
        System.out.printf("statements %s: 2 rows %d, 40 rows %d%n", pathOfRepository, small, large);
        assertThat(large).as(pathOfRepository).isEqualTo(small).isLessThanOrEqualTo(bound);
    }

    private HttpResponse<byte[]> request(String path) {
        return wharf.send("GET", path, null, "Authorization", "Bearer " + session);
    }

    private JsonNode get(String path) {
        HttpResponse<byte[]> r = request(path);
        assertThat(r.statusCode()).as(ImagesServer.text(r)).isEqualTo(200);
        return json(r);
    }
}
