package dev.wharf.sources;

import static dev.wharf.sources.CycleServer.imagesAndJobs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import dev.wharf.contract.OpenApiContract;
import dev.wharf.model.ObjectId;
import dev.wharf.testing.PostgresSchema;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/images} and {@code GET /v1/images/{id}}: every filter, sort, page, include and meta, every
 * response checked against Cycle's contract. Import results are recorded through {@link ImageStore} (what an
 * import job does at its end), so the list sees images in several states without running imports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageListTest {
    CycleServer wharf;
    User alice;
    String owner;
    String member;
    String web;
    String worker;
    String hidden;
    String alpha;
    String beta;
    String gamma;
    String delta;
    String secret;

    /** The PostgreSQL subclass runs the tests on a schema of its own; null: SQLite. */
    PostgresSchema postgres() {
        return null;
    }

    @BeforeAll
    void start(@TempDir Path dir) {
        wharf = new CycleServer(TestServer.builder(dir).database(postgres()).build());
        alice = wharf.user("alice");
        User bob = wharf.user("bob");
        wharf.org("acme", alice);
        wharf.member("acme", bob, OrgRole.MEMBER);
        owner = wharf.token(alice);
        member = wharf.token(bob);
        web = source("{\"name\": \"Web App\", \"type\": \"direct\", \"origin\": {\"type\": \"docker-hub\","
                + " \"details\": {\"target\": \"nginx:1\"}}}");
        worker = source("{\"name\": \"Worker\", \"type\": \"bucket\", \"origin\": {\"type\": \"none\"}}");
        hidden = source("{\"name\": \"Hidden\", \"type\": \"direct\", \"origin\": {\"type\": \"none\"},"
                + " \"acl\": {\"roles\": {\"editor\": {\"view\": true, \"modify\": false, \"manage\": false}}}}");
        ImageStore store = new ImageStore(wharf.database);
        alpha = image(web, "alpha");
        beta = image(web, "beta");
        gamma = image(web, "gamma");
        delta = image(worker, "delta");
        secret = image(hidden, "secret");
        long now = System.currentTimeMillis();
        store.imported(alpha, "1.0", "sha256:" + "a1".repeat(32), 3000, now);
        store.state(beta, "downloading", null, now);
        store.imported(gamma, "2.0", "sha256:" + "c3".repeat(32), 1000, now);
        store.imported(secret, "latest", "sha256:" + "e5".repeat(32), 500, now);
    }

    @AfterAll
    void stop() {
        wharf.close();
    }

    /** Without a sort the order is creation time, which ties within a millisecond: these compare as sets. */
    @Test
    void filtersBySourceIdentifierTypeIdStateAndSearch() {
        assertThat(names("/v1/images?filter[identifier]=web-app", owner))
                .containsExactlyInAnyOrder("alpha", "beta", "gamma");
        assertThat(names("/v1/images?filter[source_type]=bucket", owner)).containsExactlyInAnyOrder("delta");
        assertThat(names("/v1/images?filter[source_id]=" + worker, owner)).containsExactlyInAnyOrder("delta");
        assertThat(names("/v1/images?filter[state]=live,downloading", owner))
                .containsExactlyInAnyOrder("alpha", "beta", "gamma", "secret");
        assertThat(names("/v1/images?filter[state]=downloading&filter[identifier]=web-app", owner))
                .containsExactlyInAnyOrder("beta");
        assertThat(names("/v1/images?filter[state]=deleting", owner)).isEmpty();
        assertThat(names("/v1/images?filter[state]=deleted", owner)).isEmpty(); // deleted images are never listed
        assertThat(names("/v1/images?filter[color]=red", owner)).hasSize(5); // filters the contract lacks are ignored
        // search: name (any case), tag, digest, the repository (hub/identifier) and the exact id
        assertThat(names("/v1/images?filter[search]=AMM", owner)).containsExactlyInAnyOrder("gamma");
        assertThat(names("/v1/images?filter[search]=2.0", owner)).containsExactlyInAnyOrder("gamma");
        assertThat(names("/v1/images?filter[search]=a1a1a1", owner)).containsExactlyInAnyOrder("alpha");
        assertThat(names("/v1/images?filter[search]=acme/worker", owner)).containsExactlyInAnyOrder("delta");
        assertThat(names("/v1/images?filter[search]=" + beta, owner)).containsExactlyInAnyOrder("beta");
        // LIKE wildcards in the search are plain characters
        assertThat(names("/v1/images?filter[search]=%25", owner)).isEmpty();
        assertThat(names("/v1/images?filter[search]=_", owner)).isEmpty();
        // the member does not see the image of a source whose ACL hides it, whatever the filter
        assertThat(names("/v1/images", member)).containsExactlyInAnyOrder("alpha", "beta", "gamma", "delta");
        assertThat(names("/v1/images?filter[source_id]=" + hidden, member)).isEmpty();
        assertThat(names("/v1/images?filter[source_id]=" + hidden, owner)).containsExactlyInAnyOrder("secret");
    }

    @Test
    void sortsAndPages() {
        assertThat(names("/v1/images?sort=-name", owner)).containsExactly("secret", "gamma", "delta", "beta", "alpha");
        assertThat(names("/v1/images?sort=-size,name", owner)).containsExactly("alpha", "gamma", "secret", "beta",
                "delta");
        assertThat(names("/v1/images?sort=state&sort=name", owner)).containsExactly("beta", "alpha", "gamma", "secret",
                "delta");
        List<String> paged = new ArrayList<>();
        for (int page = 1; page <= 3; page++) {
            List<String> names = names("/v1/images?sort=name&page[size]=2&page[number]=" + page, owner);
            assertThat(names.size()).isEqualTo(page < 3 ? 2 : 1);
            paged.addAll(names);
        }
        assertThat(paged).containsExactly("alpha", "beta", "delta", "gamma", "secret");
        assertThat(names("/v1/images?page[size]=2&page[number]=4", owner)).isEmpty();
        assertThat(names("/v1/images?sort=-created&page[size]=1", owner)).hasSize(1);
    }

    @Test
    void includesCreatorsSourcesAndEmptyStacksAndCountsNoContainers() {
        JsonNode list = withSources(get("/v1/images?filter[identifier]=web-app&page[size]=2"
                + "&include=creators,sources,integrations,stack_builds,stacks&meta=containers_count", owner));
        assertThat(list.path("data").size()).isEqualTo(2);
        JsonNode inc = list.path("includes");
        assertThat(inc.path("creators").path("accounts").path(ObjectId.ofLong(alice.id())).path("id").asText())
                .isEqualTo(ObjectId.ofLong(alice.id()));
        assertThat(names(inc.path("sources"))).containsExactly(web);
        assertThat(inc.path("sources").path(web).path("identifier").asText()).isEqualTo("web-app");
        for (String none : List.of("integrations", "stack_builds", "stacks")) {
            assertThat(inc.path(none).isObject()).as(none).isTrue();
            assertThat(inc.path(none).size()).as(none).isZero();
        }
        for (JsonNode image : list.path("data")) {
            JsonNode count = image.path("meta").path("containers_count");
            assertThat(count.path("total").asInt(-1)).isZero();
            assertThat(count.path("available").asInt(-1)).isZero();
            assertThat(count.path("state").path("running").asInt(-1)).isZero();
        }
        JsonNode plain = imagesAndJobs(get("/v1/images", owner));
        assertThat(plain.has("includes")).isFalse();
        assertThat(plain.path("data").get(0).has("meta")).isFalse();

        JsonNode one = withSources(get("/v1/images/" + delta + "?include=sources,creators&meta=containers_count",
                owner));
        assertThat(one.path("data").path("meta").path("containers_count").path("total").asInt(-1)).isZero();
        assertThat(names(one.path("includes").path("sources"))).containsExactly(worker);
        assertThat(one.path("includes").path("creators").path("accounts").size()).isEqualTo(1);
        assertThat(one.path("includes").has("stacks")).isFalse();
    }

    @Test
    void badParametersAre400InCyclesEnvelope() {
        for (String query : List.of("sort=bogus", "sort=-", "page[number]=0", "page[size]=abc", "page[number]=-2",
                "include=containers", "meta=images_count", "filter[state]=running", "filter[source_type]=stack")) {
            HttpResponse<byte[]> r = get("/v1/images?" + query, owner);
            assertThat(r.statusCode()).as(query).isEqualTo(400);
            JsonNode error = imagesAndJobs(r).path("error");
            assertThat(error.path("code").asText()).as(query).isEqualTo("400.invalid-syntax");
            assertThat(error.path("detail").asText()).as(query).isNotBlank();
        }
        HttpResponse<byte[]> r = get("/v1/images/" + alpha + "?include=stack", owner);
        assertThat(imagesAndJobs(r).path("error").path("status").asInt()).isEqualTo(400);
        assertThat(imagesAndJobs(get("/v1/images/" + alpha + "?meta=size", owner)).path("error").path("status")
                .asInt()).isEqualTo(400);
    }

    /**
     * Checks a response with {@code includes.sources} against the contracts. The validator cannot check an
     * ImageSource inside ImageSourceIncludes (its {@code origin} discriminator finds no match under
     * {@code additionalProperties}, even for a valid origin), so each included source is checked as the body of
     * {@code GET /v1/images/sources/{id}} in the image sources contract, and the rest of the response without them.
     */
    private JsonNode withSources(HttpResponse<byte[]> r) {
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        JsonNode body = CycleServer.json(r);
        JsonNode rest = body.deepCopy();
        ((ObjectNode) rest.path("includes")).remove("sources");
        body.path("includes").path("sources").fields().forEachRemaining(e -> OpenApiContract.cycleImageSources()
                .assertResponseMatches("GET", "/v1/images/sources/" + e.getKey(), 200, "application/json",
                        "{\"data\": " + e.getValue() + "}"));
        String query = r.uri().getRawQuery() == null ? "" : "?" + r.uri().getRawQuery();
        OpenApiContract.cycleImagesAndJobs().assertResponseMatches("GET", r.uri().getRawPath() + query, 200,
                "application/json", rest.toString());
        return body;
    }

    private List<String> names(String path, String token) {
        HttpResponse<byte[]> r = get(path, token);
        assertThat(r.statusCode()).as(path + ": " + new String(r.body())).isEqualTo(200);
        List<String> names = new ArrayList<>();
        for (JsonNode i : imagesAndJobs(r).path("data")) names.add(i.path("name").asText());
        return names;
    }

    private List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private HttpResponse<byte[]> get(String path, String token) {
        return wharf.send("GET", path, token, "acme", null);
    }

    private String source(String body) {
        HttpResponse<byte[]> r = wharf.send("POST", "/v1/images/sources", owner, "acme", body);
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return CycleServer.json(r).path("data").path("id").asText();
    }

    private String image(String sourceId, String name) {
        HttpResponse<byte[]> r = wharf.send("POST", "/v1/images", owner, "acme",
                "{\"source_id\": \"" + sourceId + "\", \"name\": \"" + name + "\"}");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return CycleServer.json(r).path("data").path("id").asText();
    }
}
