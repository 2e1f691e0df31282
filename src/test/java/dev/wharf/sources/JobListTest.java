package dev.wharf.sources;

import static dev.wharf.sources.CycleServer.imagesAndJobs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.User;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobStore;
import dev.wharf.model.ObjectId;
import dev.wharf.testing.PostgresSchema;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/jobs}: date range, search, state, sort, page and the creators include, every response checked
 * against Cycle's contract. The jobs are submitted through {@link JobStore} with clocks fixed at known days (so
 * the range filters have exact answers) and a type no worker claims, so they stay as submitted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JobListTest {
    CycleServer wharf;
    User dana;
    String owner;
    String first;
    String second;
    String third;

    /** The PostgreSQL subclass runs the tests on a schema of its own; null: SQLite. */
    PostgresSchema postgres() {
        return null;
    }

    @BeforeAll
    void start(@TempDir Path dir) {
        wharf = new CycleServer(TestServer.builder(dir).database(postgres()).build());
        dana = wharf.user("dana");
        wharf.org("works", dana);
        owner = wharf.token(dana);
        first = submit("2026-01-01T00:00:00Z", "Import image alpha");
        second = submit("2026-01-02T00:00:00Z", "Build image beta_1");
        third = submit("2026-01-03T00:00:00Z", "Prune images");
        new JobStore(wharf.database, CycleServer.JSON, Clock.systemUTC()).cancel(third); // → error "cancelled"
    }

    @AfterAll
    void stop() {
        wharf.close();
    }

    @Test
    void newestFirstUnlessSorted() {
        assertThat(ids("/v1/jobs")).containsExactly(third, second, first);
        assertThat(ids("/v1/jobs?sort=created")).containsExactly(first, second, third);
        assertThat(ids("/v1/jobs?sort=caption")).containsExactly(second, first, third);
        assertThat(ids("/v1/jobs?sort=-state,caption")).containsExactly(second, first, third);
    }

    @Test
    void pagesInOrder() {
        assertThat(ids("/v1/jobs?page[size]=2&page[number]=1")).containsExactly(third, second);
        assertThat(ids("/v1/jobs?page[size]=2&page[number]=2")).containsExactly(first);
        assertThat(ids("/v1/jobs?page[size]=2&page[number]=3")).isEmpty();
    }

    @Test
    void filtersByQueuedRangeStateAndSearch() {
        assertThat(ids("/v1/jobs?filter[range-start]=2026-01-02T00:00:00Z")).containsExactly(third, second);
        assertThat(ids("/v1/jobs?filter[range-end]=2026-01-02T00:00:00Z")).containsExactly(second, first);
        assertThat(ids("/v1/jobs?filter[range-start]=2026-01-01T12:00:00Z&filter[range-end]=2026-01-02T12:00:00Z"))
                .containsExactly(second);
        // an offset other than Z: 2026-01-02T01:00+01:00 is midnight UTC
        assertThat(ids("/v1/jobs?filter[range-start]=2026-01-02T01:00:00%2B01:00")).containsExactly(third, second);
        assertThat(ids("/v1/jobs?filter[state]=error")).containsExactly(third);
        assertThat(ids("/v1/jobs?filter[state]=new,error")).containsExactly(third, second, first);
        assertThat(ids("/v1/jobs?filter[state]=scheduled")).isEmpty();
        assertThat(ids("/v1/jobs?filter[search]=BUILD")).containsExactly(second);
        assertThat(ids("/v1/jobs?filter[search]=test.unclaimed&filter[state]=new")).containsExactly(second, first);
        assertThat(ids("/v1/jobs?filter[search]=" + first)).containsExactly(first);
        assertThat(ids("/v1/jobs?filter[search]=a_1")).containsExactly(second);
        assertThat(ids("/v1/jobs?filter[search]=e_a")).isEmpty(); // _ is a character, not a wildcard
        assertThat(ids("/v1/jobs?filter[search]=%25")).isEmpty();
    }

    @Test
    void includesCreators() {
        JsonNode list = imagesAndJobs(get("/v1/jobs?include=creators"));
        String id = ObjectId.ofLong(dana.id());
        JsonNode accounts = list.path("includes").path("creators").path("accounts");
        assertThat(accounts.size()).isEqualTo(1);
        assertThat(accounts.path(id).path("email").path("address").asText()).isEqualTo("dana@example.com");
        assertThat(imagesAndJobs(get("/v1/jobs")).has("includes")).isFalse();
    }

    @Test
    void badParametersAre400InCyclesEnvelope() {
        for (String query : List.of("filter[range-start]=yesterday", "filter[range-end]=2026-01-02",
                "filter[range-start]=2026-01-03T00:00:00Z&filter[range-end]=2026-01-01T00:00:00Z",
                "filter[state]=done", "sort=size", "page[number]=0", "page[size]=x", "include=sources")) {
            HttpResponse<byte[]> r = get("/v1/jobs?" + query);
            assertThat(r.statusCode()).as(query).isEqualTo(400);
            JsonNode error = imagesAndJobs(r).path("error");
            assertThat(error.path("code").asText()).as(query).isEqualTo("400.invalid-syntax");
            assertThat(error.path("detail").asText()).as(query).isNotBlank();
        }
    }

    private String submit(String at, String caption) {
        JobStore store = new JobStore(wharf.database, CycleServer.JSON, Clock.fixed(Instant.parse(at), ZoneOffset.UTC));
        Job job = store.submit("works", "test.unclaimed", caption, CycleServer.JSON.createObjectNode(), 1, dana.id());
        return job.id();
    }

    private List<String> ids(String path) {
        HttpResponse<byte[]> r = get(path);
        assertThat(r.statusCode()).as(path + ": " + new String(r.body())).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode j : imagesAndJobs(r).path("data")) ids.add(j.path("id").asText());
        return ids;
    }

    private HttpResponse<byte[]> get(String path) {
        return wharf.send("GET", path, owner, "works", null);
    }
}
