package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.latest;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HubOrgAccessTokenTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();
    static HubTestServer.OrgCast cast;

    @BeforeAll
    static void start() {
        cast = hub.org("acme", "oat");
    }

    private static Map<String, Object> pullResource(String path) {
        return Map.of("type", "TYPE_REPO", "path", path, "scopes", List.of("scope-image-pull"));
    }

    private static HttpResponse<byte[]> create(String session, String org, Object body) {
        return hub.as(session, "POST", "/v2/orgs/" + org + "/access-tokens", json(body));
    }

    @Test
    void ownersManageTokensAndTheSecretIsShownOnce() {
        HttpResponse<byte[]> created = latest(create(cast.owner(), "acme", Map.of("label", "CI", "description",
                "pulls for CI", "resources", List.of(pullResource("acme/app")))));
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        JsonNode token = body(created);
        String id = token.path("id").asText();
        String secret = token.path("token").asText();
        assertThat(secret).startsWith("dckr_oat_");
        assertThat(token.path("label").asText()).isEqualTo("CI");
        assertThat(token.path("description").asText()).isEqualTo("pulls for CI");
        assertThat(token.path("created_by").asText()).isEqualTo("oatowner");
        assertThat(token.path("is_active").asBoolean()).isTrue();
        assertThat(token.path("created_at").asText()).isNotEmpty();
        assertThat(token.path("expires_at").isNull()).isTrue();
        assertThat(token.path("last_used_at").isNull()).isTrue();
        assertThat(token.path("resources").path(0).path("path").asText()).isEqualTo("acme/app");
        assertThat(token.path("resources").path(0).path("type").asText()).isEqualTo("TYPE_REPO");

        HttpResponse<byte[]> one = latest(hub.as(cast.owner(), "GET", "/v2/orgs/acme/access-tokens/" + id, null));
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(text(one)).doesNotContain(secret);
        assertThat(body(one).has("token")).isFalse();

        HttpResponse<byte[]> list = latest(hub.as(cast.owner(), "GET", "/v2/orgs/acme/access-tokens", null));
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(body(list).path("total").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(text(list)).contains(id).doesNotContain(secret);

        // It logs in with the organization's name as username.
        assertThat(hub.login("acme", secret).statusCode()).isEqualTo(200);

        HttpResponse<byte[]> patched = latest(hub.as(cast.owner(), "PATCH", "/v2/orgs/acme/access-tokens/" + id,
                json(Map.of("label", "CI2", "is_active", false, "resources", List.of(pullResource("acme/*"))))));
        assertThat(patched.statusCode()).as(text(patched)).isEqualTo(200);
        assertThat(body(patched).path("label").asText()).isEqualTo("CI2");
        assertThat(body(patched).path("is_active").asBoolean()).isFalse();
        assertThat(body(patched).path("resources").path(0).path("path").asText()).isEqualTo("acme/*");
        assertThat(hub.login("acme", secret).statusCode()).as("inactive").isEqualTo(401);

        assertThat(latest(hub.as(cast.owner(), "DELETE", "/v2/orgs/acme/access-tokens/" + id, null)).statusCode())
                .isEqualTo(204);
        assertThat(latest(hub.as(cast.owner(), "GET", "/v2/orgs/acme/access-tokens/" + id, null)).statusCode())
                .isEqualTo(404);
    }

    @Test
    void onlyOwnersMayAndOutsidersCannotTellTheOrganizationExists() {
        String id = body(create(cast.owner(), "acme", Map.of("label", "x", "resources", List.of(pullResource("acme/*")))))
                .path("id").asText();

        HttpResponse<byte[]> asMember = latest(hub.as(cast.member(), "GET", "/v2/orgs/acme/access-tokens", null));
        assertThat(asMember.statusCode()).isEqualTo(403);
        assertThat(latest(create(cast.member(), "acme", Map.of("label", "y", "resources", List.of(pullResource("acme/*")))))
                .statusCode()).isEqualTo(403);
        assertThat(latest(hub.as(cast.member(), "DELETE", "/v2/orgs/acme/access-tokens/" + id, null)).statusCode())
                .isEqualTo(403);

        HttpResponse<byte[]> asOutsider = latest(hub.as(cast.outsider(), "GET", "/v2/orgs/acme/access-tokens", null));
        HttpResponse<byte[]> noSuchOrg = latest(hub.as(cast.outsider(), "GET", "/v2/orgs/nosuchorg/access-tokens", null));
        assertThat(asOutsider.statusCode()).isEqualTo(404);
        assertThat(text(asOutsider)).isEqualTo(text(noSuchOrg));
        assertThat(latest(hub.as(cast.outsider(), "GET", "/v2/orgs/acme/access-tokens/" + id, null)).statusCode())
                .isEqualTo(404);
        assertThat(latest(hub.send("GET", "/v2/orgs/acme/access-tokens", null)).statusCode()).isEqualTo(401);

        // Still there, untouched.
        assertThat(body(hub.as(cast.owner(), "GET", "/v2/orgs/acme/access-tokens/" + id, null)).path("is_active")
                .asBoolean()).isTrue();
    }

    @Test
    void invalidResourcesAre400() {
        HttpResponse<byte[]> otherOrg = latest(create(cast.owner(), "acme", Map.of("label", "x",
                "resources", List.of(pullResource("elsewhere/app")))));
        assertThat(otherOrg.statusCode()).isEqualTo(400);
        assertThat(body(otherOrg).path("fields").has("resources")).isTrue();
        HttpResponse<byte[]> badType = latest(create(cast.owner(), "acme", Map.of("label", "x", "resources",
                List.of(Map.of("type", "TYPE_MOON", "path", "acme/app", "scopes", List.of("scope-image-pull"))))));
        assertThat(badType.statusCode()).isEqualTo(400);
        HttpResponse<byte[]> missing = latest(create(cast.owner(), "acme", Map.of("description", "no label")));
        assertThat(body(missing).path("fields").has("label")).isTrue();
        assertThat(body(missing).path("fields").has("resources")).isTrue();
        assertThat(latest(create(cast.owner(), "acme", Map.of("label", "x", "resources", "acme/*"))).statusCode())
                .isEqualTo(400);
    }
}
