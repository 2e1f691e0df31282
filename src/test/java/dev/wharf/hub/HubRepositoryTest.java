package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.beta;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.latest;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HubRepositoryTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();
    static RegistryClient registry;
    static String owner;
    static String other;
    static String member;

    @BeforeAll
    static void start() {
        registry = new RegistryClient(hub);
        User o = hub.createUser("rowner");
        hub.createUser("rother");
        hub.createUser("rmember");
        hub.accounts.organizations().createOrganization("rorg", o.id());
        hub.accounts.organizations().setMember("rorg", "rmember", OrgRole.MEMBER);
        owner = hub.session("rowner", PASSWORD);
        other = hub.session("rother", PASSWORD);
        member = hub.session("rmember", PASSWORD);
        assertThat(registry.pushImage("rowner", PASSWORD, "rowner/app", "v1", "layer-1").statusCode()).isEqualTo(201);
    }

    private static HttpResponse<byte[]> patch(String session, String repo, Object body) {
        return beta(hub.as(session, "PATCH", "/v2/repositories/" + repo + "/", json(body)));
    }

    private static List<String> names(HttpResponse<byte[]> r) {
        List<String> out = new ArrayList<>();
        body(r).path("results").forEach(e -> out.add(e.path("name").asText()));
        return out;
    }

    @Test
    void listsShowOnlyWhatTheCallerMayPull() {
        HttpResponse<byte[]> mine = latest(hub.as(owner, "GET", "/v2/namespaces/rowner/repositories", null));
        assertThat(mine.statusCode()).as(text(mine)).isEqualTo(200);
        assertThat(names(mine)).contains("app");
        JsonNode app = body(mine).path("results").path(0);
        assertThat(app.path("namespace").asText()).isEqualTo("rowner");
        assertThat(app.path("is_private").asBoolean()).isTrue();
        assertThat(app.path("storage_size").asLong()).isPositive();
        assertThat(app.path("last_updated").asText()).isNotEmpty();
        assertThat(app.path("tag_count").asLong()).isEqualTo(1); // Wharf's addition, for the console
        assertThat(app.has("last_pulled")).isTrue();

        HttpResponse<byte[]> anonymous = latest(hub.send("GET", "/v2/namespaces/rowner/repositories", null));
        assertThat(anonymous.statusCode()).isEqualTo(200);
        assertThat(names(anonymous)).doesNotContain("app");
        assertThat(latest(hub.send("GET", "/v2/namespaces/nosuchns/repositories", null)).statusCode())
                .isEqualTo(404);
        assertThat(latest(hub.send("GET", "/v2/namespaces/rowner/repositories?ordering=stars", null)).statusCode())
                .isEqualTo(400);
        assertThat(latest(hub.send("GET", "/v2/namespaces/rowner/repositories?page=9", null)).statusCode())
                .isEqualTo(404);
        HttpResponse<byte[]> filtered = latest(hub.as(owner, "GET", "/v2/namespaces/rowner/repositories?name=zzz",
                null));
        assertThat(body(filtered).path("count").asInt()).isZero();
        assertThat(latest(hub.send("GET", "/v2/namespaces/rowner/repositories", null, "Authorization",
                "Bearer nonsense")).statusCode()).isEqualTo(401);
    }

    @Test
    void createThenRead() {
        HttpResponse<byte[]> created = latest(hub.as(owner, "POST", "/v2/namespaces/rowner/repositories",
                json(Map.of("name", "made", "namespace", "rowner", "description", "short", "full_description",
                        "# readme", "is_private", false))));
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        JsonNode info = body(created);
        assertThat(info.path("name").asText()).isEqualTo("made");
        assertThat(info.path("description").asText()).isEqualTo("short");
        assertThat(info.path("full_description").asText()).isEqualTo("# readme");
        assertThat(info.path("is_private").asBoolean()).isFalse();
        assertThat(info.path("permissions").path("admin").asBoolean()).isTrue();
        assertThat(info.path("pull_count").asLong()).isZero();

        HttpResponse<byte[]> read = latest(hub.send("GET", "/v2/namespaces/rowner/repositories/made", null));
        assertThat(read.statusCode()).as(text(read)).isEqualTo(200);
        assertThat(body(read).path("permissions").path("write").asBoolean()).isFalse();

        HttpResponse<byte[]> again = latest(hub.as(owner, "POST", "/v2/namespaces/rowner/repositories",
                json(Map.of("name", "made", "namespace", "rowner"))));
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(body(again).path("fields").has("name")).isTrue();
        assertThat(latest(hub.as(owner, "POST", "/v2/namespaces/rowner/repositories",
                json(Map.of("name", "Bad Name", "namespace", "rowner")))).statusCode()).isEqualTo(400);
        assertThat(latest(hub.as(owner, "POST", "/v2/namespaces/rowner/repositories",
                json(Map.of("name", "x2", "namespace", "elsewhere")))).statusCode()).isEqualTo(400);
        assertThat(latest(hub.as(owner, "POST", "/v2/namespaces/rowner/repositories", "[1]")).statusCode())
                .isEqualTo(400);
        assertThat(latest(hub.as(other, "POST", "/v2/namespaces/rowner/repositories",
                json(Map.of("name", "intruder", "namespace", "rowner")))).statusCode()).isEqualTo(403);
        assertThat(latest(hub.as(member, "POST", "/v2/namespaces/rorg/repositories",
                json(Map.of("name", "intruder", "namespace", "rorg")))).statusCode()).isEqualTo(403);
        assertThat(latest(hub.as(owner, "POST", "/v2/namespaces/rorg/repositories",
                json(Map.of("name", "orgrepo", "namespace", "rorg")))).statusCode()).isEqualTo(201);
        assertThat(latest(hub.as(owner, "POST", "/v2/namespaces/ROWNER/repositories",
                json(Map.of("name", "upper", "namespace", "ROWNER")))).statusCode()).isEqualTo(404);
        assertThat(latest(hub.as(owner, "POST", "/v2/namespaces/nosuchns/repositories",
                json(Map.of("name", "x2", "namespace", "nosuchns")))).statusCode()).isEqualTo(404);
        assertThat(latest(hub.send("POST", "/v2/namespaces/rowner/repositories",
                json(Map.of("name", "x2", "namespace", "rowner")))).statusCode()).isEqualTo(401);
    }

    @Test
    void privateRepositoriesAreNotFoundForOthers() {
        assertThat(latest(hub.as(owner, "GET", "/v2/namespaces/rowner/repositories/app", null)).statusCode())
                .isEqualTo(200);
        HttpResponse<byte[]> asOther = latest(hub.as(other, "GET", "/v2/namespaces/rowner/repositories/app", null));
        HttpResponse<byte[]> missing = latest(hub.as(other, "GET", "/v2/namespaces/rowner/repositories/nope", null));
        assertThat(asOther.statusCode()).isEqualTo(404);
        assertThat(text(asOther)).isEqualTo(text(missing));
        assertThat(patch(other, "rowner/app", Map.of("description", "x")).statusCode()).isEqualTo(404);
    }

    @Test
    void patchChangesDescriptionsAndPrivacyWithAuditEvents() {
        assertThat(registry.pushImage("rowner", PASSWORD, "rowner/desc", "v1", "layer-d").statusCode())
                .isEqualTo(201);
        HttpResponse<byte[]> r = patch(owner, "rowner/desc", Map.of("description", "new", "full_description",
                "long text", "is_private", false));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        assertThat(body(r).path("description").asText()).isEqualTo("new");
        assertThat(body(r).path("full_description").asText()).isEqualTo("long text");
        assertThat(body(r).path("is_private").asBoolean()).isFalse();
        assertThat(patch(other, "rowner/desc", Map.of("description", "mine")).statusCode()).isEqualTo(403);
        HttpResponse<byte[]> bad = patch(owner, "rowner/desc", Map.of("is_private", "yes"));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(body(bad).path("fields").has("is_private")).isTrue();
        assertThat(patch(owner, "rowner/desc", Map.of("description", "x".repeat(101))).statusCode()).isEqualTo(400);

        HttpResponse<byte[]> log = hub.as(owner, "GET", "/v2/auditlogs/rowner?name=rowner/desc", null);
        List<String> actions = new ArrayList<>();
        body(log).path("logs").forEach(e -> actions.add(e.path("action").asText()));
        assertThat(actions).contains("repo.change_description", "repo.change_privacy", "repo.tag.push",
                "repo.create");
    }

    @Test
    void makingARepositoryPrivateStopsNewAnonymousPullsAtOnce() {
        assertThat(registry.pushImage("rowner", PASSWORD, "rowner/flip", "v1", "layer-f").statusCode())
                .isEqualTo(201);
        assertThat(patch(owner, "rowner/flip", Map.of("is_private", false)).statusCode()).isEqualTo(200);
        String before = registry.token(null, null, "repository:rowner/flip:pull");
        assertThat(registry.pullManifest(before, "rowner/flip", "v1").statusCode()).isEqualTo(200);

        assertThat(patch(owner, "rowner/flip", Map.of("is_private", true)).statusCode()).isEqualTo(200);
        String after = registry.token(null, null, "repository:rowner/flip:pull");
        assertThat(registry.pullManifest(after, "rowner/flip", "v1").statusCode()).isEqualTo(401);
        assertThat(registry.pullManifest(null, "rowner/flip", "v1").statusCode()).isEqualTo(401);
        // A token issued before the change is checked again, so it stops working at once too.
        assertThat(registry.pullManifest(before, "rowner/flip", "v1").statusCode()).isEqualTo(401);
        assertThat(patch(owner, "rowner/flip", Map.of("is_private", false)).statusCode()).isEqualTo(200);
        assertThat(registry.pullManifest(before, "rowner/flip", "v1").statusCode()).as("public again").isEqualTo(200);
    }

    @Test
    void makingARepositoryPrivateStopsMountsFromItAtOnce() {
        assertThat(registry.pushImage("rowner", PASSWORD, "rowner/mnt", "v1", "layer-mount").statusCode())
                .isEqualTo(201);
        assertThat(patch(owner, "rowner/mnt", Map.of("is_private", false)).statusCode()).isEqualTo(200);
        dev.wharf.model.Digest layer = dev.wharf.model.Digest.sha256("layer-mount".getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        String before = registry.token("rother", PASSWORD,
                "repository:rowner/mnt:pull&scope=repository:rother/copy:pull,push&scope=repository:rother/copy2:pull,push");
        assertThat(registry.mount(before, "rother/copy", "rowner/mnt", layer).statusCode())
                .as("public: the mount links").isEqualTo(201);

        assertThat(patch(owner, "rowner/mnt", Map.of("is_private", true)).statusCode()).isEqualTo(200);
        // The token still says pull on rowner/mnt, but it was issued before the repository became private: a mount
        // is a pull of the source repository and is re-checked the way a blob GET is.
        HttpResponse<byte[]> after = registry.mount(before, "rother/copy2", "rowner/mnt", layer);
        assertThat(after.statusCode()).as("private now: an upload session, not a link").isEqualTo(202);
    }
}
