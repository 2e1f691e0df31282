package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import dev.wharf.testing.ScopeMatrix;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may manage an organization through the Hub API, as a matrix of caller × operation over real HTTP. Token
 * rows are sessions made by {@code POST /v2/users/login} with the token as the password. The table this checks
 * is in docs/scopes.md.
 *
 * <p>Cast: olivia owns {@code acme}; mia is a plain member; sam belongs to nothing. {@code pat:*} are olivia's
 * personal access tokens. {@code oat:*} are organization access tokens of acme: {@code oat:repo} has only a
 * repository resource (push on {@code acme/*}), {@code oat:read} the organization scopes
 * {@code scope-member-read} and {@code scope-group-read}, {@code oat:edit} {@code scope-member-edit} and
 * {@code scope-group-edit}; {@code oat:other} is a token of another organization with every scope. Each row gets
 * a fresh member to promote and one to remove, and fresh groups. A cell is the status; every refusal is checked
 * to be a Docker Hub error body ({@code detail} and {@code message}).
 */
class OrgScopeMatrixTest {

    private static final ScopeMatrix MATRIX = new ScopeMatrix("""
            caller          | get settings | put settings | list members | make owner | remove member | list groups | create group | update group | delete group | add to group | remove from group | list org tokens | create org token
            olivia          | 200          | 200          | 200          | 200        | 204           | 200         | 201          | 200          | 204          | 200          | 204               | 200             | 201
            mia             | 200          | 403          | 200          | 403        | 403           | 200         | 403          | 403          | 403          | 403          | 403               | 403             | 403
            sam             | 404          | 404          | 404          | 404        | 404           | 404         | 404          | 404          | 404          | 404          | 404               | 404             | 404
            pat:public_read | 403          | 403          | 403          | 403        | 403           | 403         | 403          | 403          | 403          | 403          | 403               | 401             | 401
            pat:read        | 200          | 403          | 200          | 403        | 403           | 200         | 403          | 403          | 403          | 403          | 403               | 401             | 401
            pat:write       | 200          | 403          | 200          | 403        | 403           | 200         | 403          | 403          | 403          | 403          | 403               | 401             | 401
            pat:admin       | 200          | 200          | 200          | 200        | 204           | 200         | 201          | 200          | 204          | 200          | 204               | 401             | 401
            oat:repo        | 403          | 403          | 403          | 403        | 403           | 403         | 403          | 403          | 403          | 403          | 403               | 401             | 401
            oat:read        | 403          | 403          | 200          | 403        | 403           | 200         | 403          | 403          | 403          | 403          | 403               | 401             | 401
            oat:edit        | 403          | 403          | 200          | 200        | 204           | 200         | 201          | 200          | 204          | 200          | 204               | 401             | 401
            oat:other       | 404          | 404          | 404          | 404        | 404           | 404         | 404          | 404          | 404          | 404          | 404               | 401             | 401
            """);

    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();
    static String owner;
    static final Map<String, String> SESSIONS = new HashMap<>();
    static final AtomicInteger FRESH = new AtomicInteger();

    @BeforeAll
    static void start() {
        User olivia = hub.createUser("olivia");
        hub.createUser("mia");
        User sam = hub.createUser("sam");
        hub.accounts.organizations().createOrganization("acme", olivia.id());
        hub.accounts.organizations().setMember("acme", "mia", OrgRole.MEMBER);
        hub.accounts.organizations().createOrganization("other", sam.id());
        owner = hub.session("olivia", PASSWORD);
        SESSIONS.put("olivia", owner);
        SESSIONS.put("mia", hub.session("mia", PASSWORD));
        SESSIONS.put("sam", hub.session("sam", PASSWORD));
        for (String scope : List.of("public_read", "read", "write", "admin")) {
            HttpResponse<byte[]> created = hub.as(owner, "POST", "/v2/access-tokens", "{\"token_label\": \"matrix-"
                    + scope.replace('_', '-') + "\", \"scopes\": [\"repo:" + scope + "\"]}");
            assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
            SESSIONS.put("pat:" + scope, hub.session("olivia", body(created).path("token").asText()));
        }
        SESSIONS.put("oat:repo", oat(owner, "acme", "[]"));
        SESSIONS.put("oat:read", oat(owner, "acme", "[\"scope-member-read\", \"scope-group-read\"]"));
        SESSIONS.put("oat:edit", oat(owner, "acme", "[\"scope-member-edit\", \"scope-group-edit\"]"));
        SESSIONS.put("oat:other", oat(SESSIONS.get("sam"), "other",
                "[\"scope-member-edit\", \"scope-group-edit\", \"scope-member-read\", \"scope-group-read\"]"));
    }

    /** An organization token of {@code org} with push on all its repositories and these organization scopes. */
    private static String oat(String ownerSession, String org, String orgScopes) {
        String resources = "[{\"type\": \"TYPE_REPO\", \"path\": \"" + org + "/*\", \"scopes\": [\"scope-image-push\"]}"
                + (orgScopes.equals("[]") ? "" : ", {\"type\": \"TYPE_ORG\", \"path\": \"" + org + "\", \"scopes\": "
                + orgScopes + "}") + "]";
        HttpResponse<byte[]> created = hub.as(ownerSession, "POST", "/v2/orgs/" + org + "/access-tokens",
                "{\"label\": \"matrix-" + FRESH.incrementAndGet() + "\", \"resources\": " + resources + "}");
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        return hub.session(org, body(created).path("token").asText());
    }

    static Stream<Arguments> rows() {
        return MATRIX.rows();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matrix(String caller, List<String> expected) {
        String s = SESSIONS.get(caller);
        Map<String, Function<String, HttpResponse<byte[]>>> ops = new LinkedHashMap<>();
        ops.put("get settings", t -> hub.as(t, "GET", "/v2/orgs/acme/settings", null));
        ops.put("put settings", t -> hub.as(t, "PUT", "/v2/orgs/acme/settings", "{\"restricted_images\": {\"enabled\":"
                + " true, \"allow_official_images\": true, \"allow_verified_publishers\": false}}"));
        ops.put("list members", t -> hub.as(t, "GET", "/v2/orgs/acme/members", null));
        ops.put("make owner", t -> hub.as(t, "PUT", "/v2/orgs/acme/members/" + freshMember(), "{\"role\": \"owner\"}"));
        ops.put("remove member", t -> hub.as(t, "DELETE", "/v2/orgs/acme/members/" + freshMember(), null));
        ops.put("list groups", t -> hub.as(t, "GET", "/v2/orgs/acme/groups", null));
        ops.put("create group", t -> hub.as(t, "POST", "/v2/orgs/acme/groups", "{\"name\": \"g"
                + FRESH.incrementAndGet() + "\"}"));
        ops.put("update group", t -> hub.as(t, "PATCH", "/v2/orgs/acme/groups/" + freshGroup(false),
                "{\"description\": \"changed\"}"));
        ops.put("delete group", t -> hub.as(t, "DELETE", "/v2/orgs/acme/groups/" + freshGroup(false), null));
        ops.put("add to group", t -> hub.as(t, "POST", "/v2/orgs/acme/groups/" + freshGroup(false) + "/members",
                "{\"member\": \"mia\"}"));
        ops.put("remove from group", t -> hub.as(t, "DELETE", "/v2/orgs/acme/groups/" + freshGroup(true)
                + "/members/mia", null));
        ops.put("list org tokens", t -> hub.as(t, "GET", "/v2/orgs/acme/access-tokens", null));
        ops.put("create org token", t -> hub.as(t, "POST", "/v2/orgs/acme/access-tokens", "{\"label\": \"by-"
                + FRESH.incrementAndGet() + "\", \"resources\": [{\"type\": \"TYPE_REPO\", \"path\": \"acme/*\","
                + " \"scopes\": [\"scope-image-pull\"]}]}"));
        MATRIX.assertRow(caller, s, expected, ops, OrgScopeMatrixTest::outcome, HubTestServer::text);
    }

    /** The finding's own requests: read-only tokens of the owner change nothing, and say why. */
    @Test
    void readOnlyTokensOfTheOwnerChangeNothing() {
        String victim = freshMember();
        HttpResponse<byte[]> promoted = hub.as(SESSIONS.get("pat:public_read"), "PUT", "/v2/orgs/acme/members/"
                + victim, "{\"role\": \"owner\"}");
        assertThat(promoted.statusCode()).isEqualTo(403);
        assertThat(body(promoted).path("detail").asText()).contains("repo:public_read").contains("repo:admin");
        HttpResponse<byte[]> removed = hub.as(SESSIONS.get("pat:read"), "DELETE", "/v2/orgs/acme/members/" + victim,
                null);
        assertThat(removed.statusCode()).isEqualTo(403);
        JsonNode members = body(hub.as(owner, "GET", "/v2/orgs/acme/members?page_size=100", null)).path("results");
        boolean stillPlainMember = false;
        for (JsonNode m : members) {
            if (m.path("username").asText().equals(victim)) stillPlainMember = m.path("role").asText().equals("Member");
        }
        assertThat(stillPlainMember).isTrue();
        HttpResponse<byte[]> group = hub.as(SESSIONS.get("pat:public_read"), "POST", "/v2/orgs/acme/groups",
                "{\"name\": \"sneaky\"}");
        assertThat(group.statusCode()).isEqualTo(403);
        assertThat(hub.as(owner, "GET", "/v2/orgs/acme/groups/sneaky", null).statusCode()).isEqualTo(404);
    }

    private static String freshMember() {
        String name = "member" + FRESH.incrementAndGet();
        hub.createUser(name);
        hub.accounts.organizations().setMember("acme", name, OrgRole.MEMBER);
        return name;
    }

    private static String freshGroup(boolean withMia) {
        String name = "group" + FRESH.incrementAndGet();
        hub.accounts.teams().createTeam("acme", name, "fixture");
        if (withMia) hub.accounts.teams().addTeamMember("acme", name, "mia");
        return name;
    }

    /** The status, after checking that a refusal is a Docker Hub error body (not Cycle's, not OCI's). */
    private static String outcome(HttpResponse<byte[]> r) {
        if (r.statusCode() < 400) return String.valueOf(r.statusCode());
        JsonNode b = body(r);
        assertThat(b.path("detail").asText()).as(text(r)).isNotBlank();
        assertThat(b.path("message").asText()).as(text(r)).isNotBlank();
        assertThat(b.has("errors") || b.has("error")).as(text(r)).isFalse();
        return String.valueOf(r.statusCode());
    }
}
