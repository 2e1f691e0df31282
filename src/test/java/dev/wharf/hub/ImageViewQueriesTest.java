package dev.wharf.hub;

import static dev.wharf.hub.ImagesServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.model.Digest;
import dev.wharf.testing.OnEachDatabase;
import dev.wharf.testing.PerDatabase;
import dev.wharf.testing.MutableClock;
import dev.wharf.testing.StatementMeter;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The image management views (images-summary, images with their current and former tags, an image's tags) cost
 * the same number of SQL statements for 2 rows as for 40 ({@link StatementMeter}). "admin/small" has 2 images,
 * "admin/large" 40, each tagged twice (one tag moved away later: a former tag); the first image of each also
 * carries 2 or 40 tags of its own. On SQLite and PostgreSQL.
 */
class ImageViewQueriesTest {
    private static final int LARGE = 40;

    /** A server with "admin/small" and "admin/large"; {@code first} holds the first image of each. */
    record Fixture(ImagesServer wharf, StatementMeter meter, String session, List<Digest> first) {
        static Fixture start(Path dir, String... databaseFlags) {
            ImagesServer wharf = new ImagesServer(TestServer.builder(dir)
                    .clock(new MutableClock(Instant.parse("2026-01-10T00:00:00Z"))).flags(databaseFlags).build());
            Fixture f = new Fixture(wharf, new StatementMeter(() -> wharf.send("GET", "/metrics", null)),
                    wharf.session("admin", ImagesServer.ADMIN_PASSWORD), new ArrayList<>());
            f.fill("admin/small", 2);
            f.fill("admin/large", LARGE);
            return f;
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

        /** The view of "large" costs what the view of "small" does, and at most {@code bound}. */
        void assertBounded(String pathOfRepository, long bound) {
            long small = meter.fewest(() -> request(pathOfRepository.formatted("small")));
            long large = meter.fewest(() -> request(pathOfRepository.formatted("large")));
            System.out.printf("statements %s: 2 rows %d, 40 rows %d%n", pathOfRepository, small, large);
            assertThat(large).as(pathOfRepository).isEqualTo(small).isLessThanOrEqualTo(bound);
        }

        HttpResponse<byte[]> request(String path) {
            return wharf.send("GET", path, null, "Authorization", "Bearer " + session);
        }
    }

    @RegisterExtension
    static final PerDatabase<Fixture> SERVERS = new PerDatabase<>("wharf_imgq_", Fixture::start, Fixture::wharf);

    @OnEachDatabase
    void imagesListsAndSummaries(PerDatabase.Kind database) {
        Fixture f = SERVERS.on(database);
        f.assertBounded("/v2/namespaces/admin/repositories/%s/images?page_size=100", 10);
        f.assertBounded("/v2/namespaces/admin/repositories/%s/images?page_size=100&status=active"
                + "&currently_tagged=true&ordering=digest", 10);
        f.assertBounded("/v2/namespaces/admin/repositories/%s/images-summary", 10);
        HttpResponse<byte[]> r = f.request("/v2/namespaces/admin/repositories/large/images?page_size=100");
        assertThat(r.statusCode()).as(ImagesServer.text(r)).isEqualTo(200);
        JsonNode large = json(r);
        assertThat(large.path("count").asInt()).isEqualTo(LARGE);
        for (JsonNode image : large.path("results")) {
            assertThat(image.path("tags").size()).as(image.toString()).isGreaterThanOrEqualTo(2);
        }
    }

    @OnEachDatabase
    void tagsOfAnImage(PerDatabase.Kind database) {
        Fixture f = SERVERS.on(database);
        String small = "/v2/namespaces/admin/repositories/small/images/" + f.first().get(0) + "/tags?page_size=100";
        String large = "/v2/namespaces/admin/repositories/large/images/" + f.first().get(1) + "/tags?page_size=100";
        long smallCost = f.meter().fewest(() -> f.request(small));
        long largeCost = f.meter().fewest(() -> f.request(large));
        System.out.printf("statements image tags: 2 rows %d, 40 rows %d%n", smallCost, largeCost);
        assertThat(largeCost).isEqualTo(smallCost).isLessThanOrEqualTo(10);
        assertThat(json(f.request(large)).path("count").asInt()).isEqualTo(LARGE + 2); // v0, extra-*; moving before
    }
}
