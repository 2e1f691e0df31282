package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.latest;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;

class HubTagTest {
    static final String BASE = "/v2/namespaces/towner/repositories/";
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();
    static RegistryClient registry;
    static String owner;
    static String other;

    @BeforeAll
    static void start() {
        registry = new RegistryClient(hub);
        hub.createUser("towner");
        hub.createUser("tother");
        owner = hub.session("towner", PASSWORD);
        other = hub.session("tother", PASSWORD);
        for (String tag : List.of("v1.0", "v1.1", "latest")) {
            assertThat(registry.pushImage("towner", PASSWORD, "towner/app", tag, "layer-" + tag).statusCode())
                    .isEqualTo(201);
        }
    }

    private static HttpResponse<byte[]> immutable(String session, String repo, Object body) {
        if (session == null) return latest(hub.send("PATCH", BASE + repo + "/immutabletags", json(body)));
        return latest(hub.as(session, "PATCH", BASE + repo + "/immutabletags", json(body)));
    }

    @Test
    void tagsAreListedAndReadWithDigestAndSize() {
        HttpResponse<byte[]> page = latest(hub.as(owner, "GET", BASE + "app/tags?page_size=2", null));
        assertThat(page.statusCode()).as(text(page)).isEqualTo(200);
        assertThat(body(page).path("count").asInt()).isEqualTo(3);
        assertThat(body(page).path("next").asText()).contains("page=2");
        List<String> names = new ArrayList<>();
        body(page).path("results").forEach(t -> names.add(t.path("name").asText()));
        assertThat(names).containsExactly("latest", "v1.0");

        HttpResponse<byte[]> one = latest(hub.as(owner, "GET", BASE + "app/tags/v1.0", null));
        assertThat(one.statusCode()).isEqualTo(200);
        JsonNode tag = body(one);
        assertThat(tag.path("digest").asText()).startsWith("sha256:");
        assertThat(tag.path("full_size").asLong()).isPositive();
        assertThat(tag.path("status").asText()).isEqualTo("active");
        assertThat(tag.path("last_updated").asText()).endsWith("Z");
        assertThat(tag.path("tag_last_pulled").isNull()).isTrue();

        assertThat(latest(hub.as(owner, "GET", BASE + "app/tags/nope", null)).statusCode()).isEqualTo(404);
        assertThat(latest(hub.as(other, "GET", BASE + "app/tags", null)).statusCode()).isEqualTo(404);
        assertThat(latest(hub.send("GET", BASE + "app/tags/v1.0", null)).statusCode()).isEqualTo(404);
        assertThat(latest(hub.as(owner, "GET", BASE + "app/tags?page=0", null)).statusCode()).isEqualTo(400);

        assertThat(hub.as(owner, "HEAD", BASE + "app/tags", null).statusCode()).isEqualTo(200);
        assertThat(hub.as(owner, "HEAD", BASE + "app/tags/v1.0", null).statusCode()).isEqualTo(200);
        assertThat(hub.as(owner, "HEAD", BASE + "app/tags/nope", null).statusCode()).isEqualTo(404);
        assertThat(hub.as(owner, "HEAD", BASE + "app", null).statusCode()).isEqualTo(200);
        assertThat(hub.as(other, "HEAD", BASE + "app", null).statusCode()).isEqualTo(404);
    }

    @Test
    void verifyListsMatchingTagsAndBadInputIs400() {
        HttpResponse<byte[]> r = latest(hub.as(owner, "POST", BASE + "app/immutabletags/verify",
                json(Map.of("regex", "v1\\..*"))));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        List<String> tags = new ArrayList<>();
        body(r).path("tags").forEach(t -> tags.add(t.asText()));
        assertThat(tags).containsExactly("v1.0", "v1.1");
        assertThat(latest(hub.as(owner, "POST", BASE + "app/immutabletags/verify", json(Map.of("regex", "v("))))
                .statusCode()).isEqualTo(400);
        assertThat(latest(hub.as(owner, "POST", BASE + "app/immutabletags/verify", json(Map.of())))
                .statusCode()).isEqualTo(400);
        assertThat(immutable(owner, "app", Map.of("immutable_tags", true, "immutable_tags_rules", List.of("[")))
                .statusCode()).isEqualTo(400);
        assertThat(immutable(owner, "app", Map.of("immutable_tags_rules", List.of())).statusCode()).isEqualTo(400);
        assertThat(immutable(other, "app", Map.of("immutable_tags", true, "immutable_tags_rules", List.of()))
                .statusCode()).isEqualTo(404);
        assertThat(immutable(null, "app", Map.of()).statusCode()).isEqualTo(401);
    }

    /**
     * Issue 13 finding 6: a backtracking regex engine took seconds for "(a|a)+\\1x" and would run it on every
     * push once saved. Patterns are RE2 now: linear in the tag, and what RE2 cannot run in linear time is a 400.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void catastrophicPatternsAreRefusedOrRunInLinearTime() {
        String longTag = "a".repeat(60);
        assertThat(registry.pushImage("towner", PASSWORD, "towner/redos", longTag, "redos").statusCode())
                .isEqualTo(201);
        String verify = BASE + "redos/immutabletags/verify";
        // a classic catastrophic shape; RE2 runs it in time linear in the tag
        HttpResponse<byte[]> linear = latest(hub.as(owner, "POST", verify, json(Map.of("regex", "(a|a)+b"))));
        assertThat(linear.statusCode()).as(text(linear)).isEqualTo(200);
        assertThat(body(linear).path("tags").size()).isZero();
        HttpResponse<byte[]> all = latest(hub.as(owner, "POST", verify, json(Map.of("regex", "(a|aa)+"))));
        assertThat(body(all).path("tags").path(0).asText()).isEqualTo(longTag);

        for (String refused : List.of("(a|a)+\\1x", "(?=a)a", "a++", "a".repeat(257),
                "((a{1000}){1000}){1000}", "(a{100}){100}")) {
            HttpResponse<byte[]> r = latest(hub.as(owner, "POST", verify, json(Map.of("regex", refused))));
            assertThat(r.statusCode()).as(refused + ": " + text(r)).isEqualTo(400);
            assertThat(body(r).path("fields").has("regex")).isTrue();
            HttpResponse<byte[]> saved = immutable(owner, "redos", Map.of("immutable_tags", true,
                    "immutable_tags_rules", List.of(refused)));
            assertThat(saved.statusCode()).as(refused).isEqualTo(400);
        }
        assertThat(text(latest(hub.as(owner, "POST", verify, json(Map.of("regex", "(a)\\1"))))))
                .contains("RE2 syntax");

        HttpResponse<byte[]> on = immutable(owner, "redos", Map.of("immutable_tags", true,
                "immutable_tags_rules", List.of("(a|a)+b", "(a|aa)+")));
        assertThat(on.statusCode()).as(text(on)).isEqualTo(200);
        assertThat(registry.pushImage("towner", PASSWORD, "towner/redos", longTag, "moved").statusCode())
                .as("the saved rule runs on the push, and protects the tag").isEqualTo(403);
    }

    @Test
    void immutableTagsRefuseMovesAndTheRefusalIsAudited() {
        assertThat(registry.pushImage("towner", PASSWORD, "towner/locked", "v1", "first").statusCode())
                .isEqualTo(201);
        HttpResponse<byte[]> on = immutable(owner, "locked", Map.of("immutable_tags", true,
                "immutable_tags_rules", List.of("v.*")));
        assertThat(on.statusCode()).as(text(on)).isEqualTo(200);
        assertThat(body(on).path("immutable_tags_settings").path("enabled").asBoolean()).isTrue();
        assertThat(body(on).path("immutable_tags_settings").path("rules").path(0).asText()).isEqualTo("v.*");

        HttpResponse<byte[]> moved = registry.pushImage("towner", PASSWORD, "towner/locked", "v1", "second");
        assertThat(moved.statusCode()).as(text(moved)).isEqualTo(403);
        assertThat(body(moved).path("errors").path(0).path("code").asText()).isEqualTo("DENIED");
        assertThat(registry.pushImage("towner", PASSWORD, "towner/locked", "dev", "second").statusCode())
                .as("tags outside the rules still move").isEqualTo(201);

        HttpResponse<byte[]> log = hub.as(owner, "GET", "/v2/auditlogs/towner?name=towner/locked", null);
        List<String> actions = new ArrayList<>();
        body(log).path("logs").forEach(e -> actions.add(e.path("action").asText()));
        assertThat(actions).contains("repo.tag.immutable_refused", "repo.immutable_tags.change");
    }
}
