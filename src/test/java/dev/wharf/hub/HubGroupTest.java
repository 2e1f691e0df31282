package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.latest;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HubGroupTest {
    static final String GROUPS = "/v2/orgs/gorg/groups";
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();
    static RegistryClient registry;
    static HubTestServer.OrgCast cast;

    @BeforeAll
    static void start() {
        registry = new RegistryClient(hub);
        cast = hub.org("gorg", "g");
        assertThat(registry.pushImage("gowner", PASSWORD, "gorg/app", "1", "g-layer").statusCode()).isEqualTo(201);
    }

    private static List<String> names(HttpResponse<byte[]> r, String field) {
        List<String> out = new ArrayList<>();
        body(r).path("results").forEach(g -> out.add(g.path(field).asText()));
        return out;
    }

    @Test
    void ownersManageGroupsAndTheirMembers() {
        HttpResponse<byte[]> created = latest(hub.as(cast.owner(), "POST", GROUPS,
                json(Map.of("name", "builders", "description", "CI"))));
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        assertThat(body(created).path("member_count").asInt()).isZero();
        assertThat(latest(hub.as(cast.owner(), "POST", GROUPS, json(Map.of("name", "builders")))).statusCode())
                .isEqualTo(400);
        assertThat(latest(hub.as(cast.owner(), "POST", GROUPS, json(Map.of("name", "Bad Name")))).statusCode())
                .isEqualTo(400);
        assertThat(latest(hub.as(cast.member(), "POST", GROUPS, json(Map.of("name", "mine")))).statusCode())
                .isEqualTo(403);
        assertThat(latest(hub.as(cast.outsider(), "GET", GROUPS, null)).statusCode()).isEqualTo(404);

        HttpResponse<byte[]> added = latest(hub.as(cast.owner(), "POST", GROUPS + "/builders/members",
                json(Map.of("member", "gmember"))));
        assertThat(added.statusCode()).as(text(added)).isEqualTo(200);
        assertThat(latest(hub.as(cast.owner(), "POST", GROUPS + "/builders/members", json(Map.of("member", "goutsider"))))
                .statusCode()).isEqualTo(404);
        HttpResponse<byte[]> groupMembers = latest(hub.as(cast.member(), "GET", GROUPS + "/builders/members", null));
        assertThat(names(groupMembers, "username")).containsExactly("gmember");
        assertThat(names(latest(hub.as(cast.member(), "GET", GROUPS + "?username=gmember", null)), "name"))
                .contains("builders");
        assertThat(body(latest(hub.as(cast.member(), "GET", GROUPS + "?username=gowner", null))).path("count").asInt())
                .isZero();

        HttpResponse<byte[]> renamed = latest(hub.as(cast.owner(), "PATCH", GROUPS + "/builders",
                json(Map.of("name", "release"))));
        assertThat(renamed.statusCode()).as(text(renamed)).isEqualTo(200);
        assertThat(body(renamed).path("member_count").asInt()).isEqualTo(1);
        assertThat(latest(hub.as(cast.owner(), "PUT", GROUPS + "/release", json(Map.of("description", "x"))))
                .statusCode()).as("PUT needs the name").isEqualTo(400);
        HttpResponse<byte[]> put = latest(hub.as(cast.owner(), "PUT", GROUPS + "/release",
                json(Map.of("name", "release", "description", "ships"))));
        assertThat(body(put).path("description").asText()).isEqualTo("ships");
        assertThat(latest(hub.as(cast.member(), "GET", GROUPS + "/release", null)).statusCode()).isEqualTo(200);
        assertThat(latest(hub.as(cast.member(), "GET", GROUPS + "/builders", null)).statusCode()).isEqualTo(404);

        assertThat(latest(hub.as(cast.owner(), "DELETE", GROUPS + "/release/members/gmember", null)).statusCode())
                .isEqualTo(204);
        assertThat(latest(hub.as(cast.owner(), "DELETE", GROUPS + "/release/members/gmember", null)).statusCode())
                .isEqualTo(404);
        assertThat(latest(hub.as(cast.owner(), "DELETE", GROUPS + "/release", null)).statusCode()).isEqualTo(204);
        assertThat(latest(hub.as(cast.owner(), "GET", GROUPS + "/release", null)).statusCode()).isEqualTo(404);

        HttpResponse<byte[]> log = hub.as(cast.owner(), "GET", "/v2/auditlogs/gorg?action=team.member.remove", null);
        assertThat(body(log).path("logs")).isNotEmpty();
    }

    @Test
    void repositoryGroupsGrantTeamsAccess() {
        long id = body(hub.as(cast.owner(), "POST", GROUPS, json(Map.of("name", "readers")))).path("id").asLong();
        hub.as(cast.owner(), "POST", GROUPS + "/readers/members", json(Map.of("member", "gmember")));
        String repoGroups = "/v2/repositories/gorg/app/groups";
        assertThat(latest(hub.as(cast.member(), "GET", "/v2/namespaces/gorg/repositories/app", null)).statusCode())
                .isEqualTo(404);

        HttpResponse<byte[]> granted = latest(hub.as(cast.owner(), "POST", repoGroups,
                json(Map.of("group_id", id, "permission", "read"))));
        assertThat(granted.statusCode()).as(text(granted)).isEqualTo(200);
        assertThat(body(granted).path("group_name").asText()).isEqualTo("readers");
        assertThat(body(granted).path("permission").asText()).isEqualTo("read");
        assertThat(latest(hub.as(cast.member(), "GET", "/v2/namespaces/gorg/repositories/app", null)).statusCode())
                .isEqualTo(200);
        String token = registry.token("gmember", PASSWORD, "repository:gorg/app:pull");
        assertThat(registry.pullManifest(token, "gorg/app", "1").statusCode()).isEqualTo(200);

        assertThat(latest(hub.as(cast.owner(), "POST", repoGroups, json(Map.of("group_id", id, "permission", "root"))))
                .statusCode()).isEqualTo(400);
        assertThat(latest(hub.as(cast.owner(), "POST", repoGroups, json(Map.of("group_id", "x", "permission", "read"))))
                .statusCode()).isEqualTo(400);
        assertThat(latest(hub.as(cast.owner(), "POST", repoGroups, json(Map.of("group_id", 99999, "permission", "read"))))
                .statusCode()).isEqualTo(404);
        assertThat(latest(hub.as(cast.member(), "POST", repoGroups, json(Map.of("group_id", id, "permission", "admin"))))
                .statusCode()).isEqualTo(403);
        assertThat(latest(hub.as(cast.outsider(), "POST", repoGroups, json(Map.of("group_id", id, "permission", "admin"))))
                .statusCode()).isEqualTo(404);
    }

    /** Wharf's additions: GET lists the groups with a permission on a repository, DELETE takes one away. */
    @Test
    void repositoryAdministratorsListAndRevokeGroupPermissions() {
        assertThat(registry.pushImage("gowner", PASSWORD, "gorg/tools", "1", "t-layer").statusCode()).isEqualTo(201);
        long deployers = body(hub.as(cast.owner(), "POST", GROUPS, json(Map.of("name", "deployers")))).path("id").asLong();
        long viewers = body(hub.as(cast.owner(), "POST", GROUPS, json(Map.of("name", "viewers")))).path("id").asLong();
        hub.as(cast.owner(), "POST", GROUPS + "/viewers/members", json(Map.of("member", "gmember")));
        String repoGroups = "/v2/repositories/gorg/tools/groups";
        assertThat(body(hub.as(cast.owner(), "GET", repoGroups, null)).path("count").asInt()).isZero();
        hub.as(cast.owner(), "POST", repoGroups, json(Map.of("group_id", deployers, "permission", "write")));
        hub.as(cast.owner(), "POST", repoGroups, json(Map.of("group_id", viewers, "permission", "read")));

        HttpResponse<byte[]> listed = hub.as(cast.owner(), "GET", repoGroups, null);
        assertThat(listed.statusCode()).as(text(listed)).isEqualTo(200);
        assertThat(body(listed).path("count").asInt()).isEqualTo(2);
        assertThat(names(listed, "group_name")).containsExactly("deployers", "viewers");
        assertThat(names(listed, "permission")).containsExactly("write", "read");
        assertThat(body(listed).path("results").get(0).path("group_id").asLong()).isEqualTo(deployers);
        HttpResponse<byte[]> firstPage = hub.as(cast.owner(), "GET", repoGroups + "?page_size=1", null);
        assertThat(names(firstPage, "group_name")).containsExactly("deployers");
        assertThat(body(firstPage).path("next").asText()).endsWith("?page=2&page_size=1");
        assertThat(hub.as(cast.owner(), "GET", repoGroups + "?page=0", null).statusCode()).isEqualTo(400);

        // gmember reads the repository through "viewers" but does not administer it; goutsider cannot see it
        HubErrorSchema.assertHubError(hub.as(cast.member(), "GET", repoGroups, null), 403);
        HubErrorSchema.assertHubError(hub.as(cast.member(), "DELETE", repoGroups + "/" + deployers, null), 403);
        HubErrorSchema.assertHubError(hub.as(cast.outsider(), "GET", repoGroups, null), 404);
        HubErrorSchema.assertHubError(hub.as(cast.outsider(), "DELETE", repoGroups + "/" + deployers, null), 404);
        HubErrorSchema.assertHubError(hub.send("GET", repoGroups, null), 401);
        HubErrorSchema.assertHubError(hub.send("DELETE", repoGroups + "/" + deployers, null), 401);
        HubErrorSchema.assertHubError(hub.as(cast.owner(), "GET", "/v2/repositories/gorg/missing/groups", null), 404);
        HubErrorSchema.assertHubError(hub.as(cast.owner(), "DELETE", repoGroups + "/x", null), 404);
        HubErrorSchema.assertHubError(hub.as(cast.owner(), "DELETE", repoGroups + "/99999", null), 404);

        HttpResponse<byte[]> revoked = hub.as(cast.owner(), "DELETE", repoGroups + "/" + viewers, null);
        assertThat(revoked.statusCode()).as(text(revoked)).isEqualTo(204);
        HubErrorSchema.assertHubError(hub.as(cast.owner(), "DELETE", repoGroups + "/" + viewers, null), 404);
        assertThat(names(hub.as(cast.owner(), "GET", repoGroups, null), "group_name")).containsExactly("deployers");
        // the revocation takes effect: gmember can no longer see the private repository
        assertThat(hub.as(cast.member(), "GET", "/v2/namespaces/gorg/repositories/tools", null).statusCode()).isEqualTo(404);
        assertThat(registry.pullManifest(registry.token("gmember", PASSWORD, "repository:gorg/tools:pull"),
                "gorg/tools", "1").statusCode()).isEqualTo(401);

        HttpResponse<byte[]> log = hub.as(cast.owner(), "GET", "/v2/auditlogs/gorg?action=team.permission.remove", null);
        assertThat(body(log).path("logs")).hasSize(1);
        assertThat(body(log).path("logs").get(0).path("data").toString()).contains("viewers");
    }
}
