package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.contract.OpenApiContract;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Docker Hub's older {@code /v2/repositories/{namespace}/…} paths against their {@code /v2/namespaces/…} twins:
 * the same status and body for every caller (the links aside, which name their own path), each body valid
 * against the twin's schema in latest.yaml (a 400, which it does not document, against its ValueError reading of
 * {@link HubTestServer#latest}); then the deletes, which only the older paths have.
 */
class HubLegacyPathsTest {
    static final OpenApiContract LATEST = OpenApiContract.dockerHubLatest();
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();
    static RegistryClient registry;
    static String owner;
    static String outsider;

    @BeforeAll
    static void start() {
        registry = new RegistryClient(hub);
        hub.createUser("lowner");
        hub.createUser("loutsider");
        owner = hub.session("lowner", PASSWORD);
        outsider = hub.session("loutsider", PASSWORD);
        for (String tag : List.of("v1.0", "v1.1", "latest", "v2.0-rc")) {
            assertThat(registry.pushImage("lowner", PASSWORD, "lowner/app", tag, "layer " + tag).statusCode())
                    .isEqualTo(201);
        }
        assertThat(registry.pushImage("lowner", PASSWORD, "lowner/secret", "v1", "secret").statusCode())
                .isEqualTo(201);
        assertThat(registry.pushImage("lowner", PASSWORD, "lowner/tools", "v1", "tools").statusCode())
                .isEqualTo(201);
        for (String repo : List.of("app", "tools")) { // public; "secret" stays private (the default)
            assertThat(hub.as(owner, "PATCH", "/v2/repositories/lowner/" + repo + "/",
                    json(Map.of("is_private", false))).statusCode()).isEqualTo(200);
        }
    }

    private static HttpResponse<byte[]> get(String session, String method, String path) {
        return session == null ? hub.send(method, path, null) : hub.as(session, method, path, null);
    }

    /** The older path of a twin path, with or without the trailing slash. */
    private static String legacy(String twin, boolean slash) {
        String[] pathAndQuery = twin.split("\\?", 2);
        String path = pathAndQuery[0].replaceFirst("^/v2/namespaces/([^/]+)/repositories", "/v2/repositories/$1");
        return path + (slash ? "/" : "") + (pathAndQuery.length > 1 ? "?" + pathAndQuery[1] : "");
    }

    /**
     * Both paths, for one caller: same status, same body but for links, the legacy body valid against the
     * twin's operation, and links that point at the older path. Returns the legacy body.
     */
    private static JsonNode sameAsTwin(String session, String twin, boolean slash) {
        String path = legacy(twin, slash);
        HttpResponse<byte[]> old = get(session, "GET", path);
        HttpResponse<byte[]> current = get(session, "GET", twin);
        assertThat(old.statusCode()).as("%s: %s", path, text(old)).isEqualTo(current.statusCode());
        assertThat(old.headers().firstValue("Content-Type")).isEqualTo(current.headers().firstValue("Content-Type"));
        HubTestServer.latest(current); // 400s: the ValueError shape, as every Hub test reads the schema
        if (old.statusCode() != 400) {
            LATEST.assertResponseMatches("GET", twin, old.statusCode(), old.headers().firstValue("Content-Type")
                    .orElse(null), text(old));
        }
        JsonNode oldBody = body(old);
        JsonNode currentBody = body(current);
        for (String link : List.of("next", "previous")) {
            assertThat(oldBody.has(link)).as(link).isEqualTo(currentBody.has(link));
            if (oldBody.has(link)) {
                assertThat(oldBody.path(link).asText()).startsWith(hub.base + path.split("\\?")[0] + "?");
                ((ObjectNode) oldBody).remove(link);
                ((ObjectNode) currentBody).remove(link);
            }
        }
        assertThat(oldBody).as(path).isEqualTo(currentBody);
        return oldBody;
    }

    private static List<String> names(JsonNode listing) {
        List<String> out = new ArrayList<>();
        listing.path("results").forEach(e -> out.add(e.path("name").asText()));
        return out;
    }

    @Test
    void everyReadAnswersLikeItsTwinForEveryCaller() {
        List<String> twins = List.of(
                "/v2/namespaces/lowner/repositories",
                "/v2/namespaces/lowner/repositories?page_size=1&page=2&ordering=-name",
                "/v2/namespaces/lowner/repositories?name=o",
                "/v2/namespaces/lowner/repositories?page=9",
                "/v2/namespaces/nobody/repositories",
                "/v2/namespaces/lowner/repositories/app",
                "/v2/namespaces/lowner/repositories/secret",
                "/v2/namespaces/lowner/repositories/missing",
                "/v2/namespaces/lowner/repositories/app/tags",
                "/v2/namespaces/lowner/repositories/app/tags?page_size=2&page=2",
                "/v2/namespaces/lowner/repositories/app/tags?name=v1&ordering=-name",
                "/v2/namespaces/lowner/repositories/app/tags?page=0",
                "/v2/namespaces/lowner/repositories/app/tags?ordering=bogus",
                "/v2/namespaces/lowner/repositories/secret/tags",
                "/v2/namespaces/lowner/repositories/app/tags/v1.0",
                "/v2/namespaces/lowner/repositories/app/tags/nope",
                "/v2/namespaces/lowner/repositories/secret/tags/v1");
        for (String session : new String[] {owner, outsider, null}) {
            for (String twin : twins) {
                sameAsTwin(session, twin, true);
                sameAsTwin(session, twin, false);
            }
        }
        // Privacy as on the twins: the private repository is a 404 to outsiders and anonymous callers.
        for (String session : new String[] {outsider, null}) {
            assertThat(get(session, "GET", "/v2/repositories/lowner/secret/").statusCode()).isEqualTo(404);
            assertThat(get(session, "GET", "/v2/repositories/lowner/secret/tags/").statusCode()).isEqualTo(404);
            assertThat(get(session, "GET", "/v2/repositories/lowner/secret/tags/v1/").statusCode()).isEqualTo(404);
            assertThat(names(body(get(session, "GET", "/v2/repositories/lowner/")))).containsExactly("app", "tools");
        }
        assertThat(names(body(get(owner, "GET", "/v2/repositories/lowner/")))).containsExactly("app", "secret",
                "tools");
    }

    @Test
    void headAnswersWithTheHeadersOfTheGetAndNoBody() {
        List<String> paths = List.of(
                "/v2/namespaces/lowner/repositories/app",
                "/v2/namespaces/lowner/repositories/app/tags",
                "/v2/namespaces/lowner/repositories/app/tags/v1.0",
                "/v2/namespaces/lowner/repositories/app/tags/nope",
                "/v2/namespaces/lowner/repositories/secret/tags/v1",
                "/v2/namespaces/lowner/repositories/missing");
        for (String session : new String[] {owner, null}) {
            for (String twin : paths) {
                for (String path : List.of(twin, legacy(twin, true), legacy(twin, false))) {
                    HttpResponse<byte[]> got = get(session, "GET", path);
                    HttpResponse<byte[]> head = get(session, "HEAD", path);
                    assertThat(head.statusCode()).as(path).isEqualTo(got.statusCode());
                    assertThat(head.body()).as(path).isEmpty();
                    assertThat(head.headers().firstValue("Content-Type")).as(path)
                            .isEqualTo(got.headers().firstValue("Content-Type"));
                    assertThat(head.headers().firstValue("Content-Length")).as(path)
                            .hasValue(String.valueOf(got.body().length));
                }
            }
        }
    }

    @Test
    void tagListsFilterOrderAndPageInEitherForm() {
        JsonNode filtered = sameAsTwin(owner, "/v2/namespaces/lowner/repositories/app/tags?name=v1.", false);
        assertThat(names(filtered)).containsExactly("v1.0", "v1.1");
        assertThat(filtered.path("count").asInt()).isEqualTo(2);
        assertThat(names(sameAsTwin(owner, "/v2/namespaces/lowner/repositories/app/tags?ordering=-name", true)))
                .containsExactly("v2.0-rc", "v1.1", "v1.0", "latest");
        for (String ordering : List.of("last_updated", "-last_updated")) {
            JsonNode page = sameAsTwin(owner, "/v2/namespaces/lowner/repositories/app/tags?ordering=" + ordering,
                    true);
            List<String> times = new ArrayList<>();
            page.path("results").forEach(t -> times.add(t.path("last_updated").asText()));
            List<String> sorted = new ArrayList<>(times);
            sorted.sort(ordering.startsWith("-") ? java.util.Comparator.reverseOrder()
                    : java.util.Comparator.naturalOrder());
            assertThat(times).as(ordering).isEqualTo(sorted);
        }
        // What Renovate asks for: page_size above 100 is served as 100, not refused.
        HttpResponse<byte[]> renovate = get(null, "GET",
                "/v2/repositories/lowner/app/tags?page_size=1000&ordering=last_updated");
        assertThat(renovate.statusCode()).as(text(renovate)).isEqualTo(200);
        assertThat(body(renovate).path("results").size()).isEqualTo(4);
        JsonNode first = body(get(null, "GET", "/v2/repositories/lowner/app/tags/?page_size=1&name=v&ordering=-name"));
        assertThat(names(first)).containsExactly("v2.0-rc");
        String next = first.path("next").asText();
        assertThat(next).isEqualTo(hub.base + "/v2/repositories/lowner/app/tags/?name=v&ordering=-name&page=2"
                + "&page_size=1");
        assertThat(names(body(get(null, "GET", next.substring(hub.base.length()))))).containsExactly("v1.1");
    }

    @Test
    void deletesAreForAdministratorsAuditedAndHonourImmutableTags() {
        assertThat(registry.pushImage("lowner", PASSWORD, "lowner/doomed", "keep", "keep").statusCode())
                .isEqualTo(201);
        assertThat(registry.pushImage("lowner", PASSWORD, "lowner/doomed", "release-1", "release").statusCode())
                .isEqualTo(201);
        assertThat(registry.pushImage("lowner", PASSWORD, "lowner/doomed", "scratch", "scratch").statusCode())
                .isEqualTo(201);
        String tags = "/v2/repositories/lowner/doomed/tags/";

        // An outsider cannot see the private repository: 404, as for reads; anonymous callers must sign in.
        assertThat(hub.as(outsider, "DELETE", tags + "scratch/", null).statusCode()).isEqualTo(404);
        assertThat(hub.as(outsider, "DELETE", "/v2/repositories/lowner/doomed/", null).statusCode()).isEqualTo(404);
        assertThat(hub.send("DELETE", tags + "scratch/", null).statusCode()).isEqualTo(401);

        HttpResponse<byte[]> deleted = hub.as(owner, "DELETE", tags + "scratch/", null);
        assertThat(deleted.statusCode()).as(text(deleted)).isEqualTo(204);
        assertThat(hub.as(owner, "GET", tags + "scratch/", null).statusCode()).isEqualTo(404);
        assertThat(hub.as(owner, "DELETE", tags + "scratch", null).statusCode()).isEqualTo(404);
        assertThat(audited("repo.tag.delete")).contains("lowner/doomed");

        HttpResponse<byte[]> policy = hub.as(owner, "PATCH", "/v2/namespaces/lowner/repositories/doomed/immutabletags",
                json(Map.of("immutable_tags", true, "immutable_tags_rules", List.of("release-.*"))));
        assertThat(policy.statusCode()).as(text(policy)).isEqualTo(200);
        HttpResponse<byte[]> immutable = hub.as(owner, "DELETE", tags + "release-1/", null);
        assertThat(immutable.statusCode()).isEqualTo(403);
        assertThat(body(immutable).path("detail").asText()).contains("immutable");
        // The registry's DELETE by tag honours the policy too: deleting and pushing again would move the tag.
        String token = registry.token("lowner", PASSWORD, "repository:lowner/doomed:pull,push,delete");
        HttpResponse<byte[]> viaRegistry = hub.send("DELETE", "/v2/lowner/doomed/manifests/release-1", null,
                "Authorization", "Bearer " + token);
        assertThat(viaRegistry.statusCode()).isEqualTo(403);
        assertThat(text(viaRegistry)).contains("DENIED");
        HttpResponse<byte[]> repoRefused = hub.as(owner, "DELETE", "/v2/repositories/lowner/doomed/", null);
        assertThat(repoRefused.statusCode()).isEqualTo(403);
        assertThat(hub.as(owner, "GET", tags + "release-1/", null).statusCode()).isEqualTo(200);

        hub.as(owner, "PATCH", "/v2/namespaces/lowner/repositories/doomed/immutabletags",
                json(Map.of("immutable_tags", false, "immutable_tags_rules", List.of("release-.*"))));
        HttpResponse<byte[]> gone = hub.as(owner, "DELETE", "/v2/repositories/lowner/doomed", null);
        assertThat(gone.statusCode()).as(text(gone)).isEqualTo(202);
        assertThat(hub.as(owner, "GET", "/v2/repositories/lowner/doomed/", null).statusCode()).isEqualTo(404);
        assertThat(hub.as(owner, "DELETE", "/v2/repositories/lowner/doomed/", null).statusCode()).isEqualTo(404);
        assertThat(registry.pullManifest(token, "lowner/doomed", "keep").statusCode()).isEqualTo(404);
        assertThat(names(body(hub.as(owner, "GET", "/v2/repositories/lowner/", null)))).doesNotContain("doomed");
        assertThat(audited("repo.delete")).contains("lowner/doomed");
    }

    private static String audited(String action) {
        HttpResponse<byte[]> r = hub.as(owner, "GET", "/v2/auditlogs/lowner?action=" + action, null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return text(r);
    }

    @Test
    void registryRequestsThatFitAnOlderPathStayTheRegistrys() {
        hub.createUser("repositories");
        assertThat(registry.pushImage("repositories", PASSWORD, "repositories/ns/app", "v1", "lookalike")
                .statusCode()).isEqualTo(201);
        String token = registry.token("repositories", PASSWORD, "repository:repositories/ns/app:pull");
        HttpResponse<byte[]> tagList = hub.send("GET", "/v2/repositories/ns/app/tags/list", null,
                "Authorization", "Bearer " + token);
        assertThat(tagList.statusCode()).as(text(tagList)).isEqualTo(200);
        assertThat(body(tagList).path("name").asText()).isEqualTo("repositories/ns/app");
        assertThat(body(tagList).path("tags").toString()).isEqualTo("[\"v1\"]");
        // A tag called "list" of a Hub repository with no such registry twin is still the Hub's.
        assertThat(text(hub.as(owner, "GET", "/v2/repositories/lowner/app/tags/list", null)))
                .contains("Tag not found");
    }
}
