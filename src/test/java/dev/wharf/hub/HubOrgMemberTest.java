package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.latest;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.OrgRole;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HubOrgMemberTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();
    static HubTestServer.OrgCast cast;

    @BeforeAll
    static void start() {
        for (String u : List.of("mleaver", "mquiet")) hub.createUser(u);
        cast = hub.org("morg", "m");
        hub.accounts.organizations().setMember("morg", "mleaver", OrgRole.MEMBER);
        hub.accounts.organizations().setMember("morg", "mquiet", OrgRole.MEMBER);
        hub.accounts.teams().createTeam("morg", "devs", "developers");
        hub.accounts.teams().addTeamMember("morg", "devs", "mmember");
    }

    private static List<String> usernames(HttpResponse<byte[]> r) {
        List<String> out = new ArrayList<>();
        body(r).path("results").forEach(m -> out.add(m.path("username").asText()));
        return out;
    }

    @Test
    void membersListMembersWithRolesAndTeams() {
        // 200 bodies are checked by hand: the contract types this response as an array of pages (see hub-api.md).
        HttpResponse<byte[]> all = hub.as(cast.member(), "GET", "/v2/orgs/morg/members", null);
        assertThat(all.statusCode()).as(text(all)).isEqualTo(200);
        assertThat(body(all).path("count").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(usernames(all)).contains("mowner", "mmember");
        JsonNode mm = null;
        for (JsonNode m : body(all).path("results")) if (m.path("username").asText().equals("mmember")) mm = m;
        assertThat(mm.path("role").asText()).isEqualTo("Member");
        assertThat(mm.path("groups").path(0).asText()).isEqualTo("devs");
        assertThat(mm.path("email").asText()).isEqualTo("mmember@example.test");

        // Not containsExactly: ownersChangeRolesAndRemoveMembers promotes mleaver for a moment, and a failure there
        // must not fail this test too.
        assertThat(usernames(hub.as(cast.member(), "GET", "/v2/orgs/morg/members?role=owner", null)))
                .contains("mowner").doesNotContain("mmember", "mquiet");
        assertThat(usernames(hub.as(cast.member(), "GET", "/v2/orgs/morg/members?search=quie", null)))
                .containsExactly("mquiet");
        assertThat(body(hub.as(cast.member(), "GET", "/v2/orgs/morg/members?type=invitee", null)).path("count").asInt())
                .isZero();
        assertThat(latest(hub.as(cast.member(), "GET", "/v2/orgs/morg/members?role=king", null)).statusCode())
                .isEqualTo(400);
        assertThat(latest(hub.as(cast.outsider(), "GET", "/v2/orgs/morg/members", null)).statusCode()).isEqualTo(404);
        assertThat(latest(hub.send("GET", "/v2/orgs/morg/members", null)).statusCode()).isEqualTo(401);
    }

    @Test
    void ownersChangeRolesAndRemoveMembers() {
        HttpResponse<byte[]> promoted = latest(hub.as(cast.owner(), "PUT", "/v2/orgs/morg/members/mleaver",
                json(Map.of("role", "owner"))));
        assertThat(promoted.statusCode()).as(text(promoted)).isEqualTo(200);
        assertThat(body(promoted).path("role").asText()).isEqualTo("Owner");
        HttpResponse<byte[]> demoted = latest(hub.as(cast.owner(), "PUT", "/v2/orgs/morg/members/mleaver",
                json(Map.of("role", "member"))));
        assertThat(body(demoted).path("role").asText()).isEqualTo("Member");

        assertThat(latest(hub.as(cast.owner(), "PUT", "/v2/orgs/morg/members/mleaver", json(Map.of("role", "boss"))))
                .statusCode()).isEqualTo(400);
        assertThat(latest(hub.as(cast.owner(), "PUT", "/v2/orgs/morg/members/mleaver", json(Map.of()))).statusCode())
                .isEqualTo(400);
        HttpResponse<byte[]> lastOwner = latest(hub.as(cast.owner(), "PUT", "/v2/orgs/morg/members/mowner",
                json(Map.of("role", "member"))));
        assertThat(lastOwner.statusCode()).isEqualTo(400);
        assertThat(latest(hub.as(cast.owner(), "DELETE", "/v2/orgs/morg/members/mowner", null)).statusCode())
                .isEqualTo(400);
        assertThat(latest(hub.as(cast.member(), "PUT", "/v2/orgs/morg/members/mleaver", json(Map.of("role", "owner"))))
                .statusCode()).isEqualTo(403);
        assertThat(latest(hub.as(cast.owner(), "PUT", "/v2/orgs/morg/members/moutsider", json(Map.of("role", "member"))))
                .statusCode()).as("not a member: nothing to update").isEqualTo(404);
        assertThat(latest(hub.as(cast.member(), "DELETE", "/v2/orgs/morg/members/mleaver", null)).statusCode())
                .isEqualTo(403);

        assertThat(latest(hub.as(cast.owner(), "DELETE", "/v2/orgs/morg/members/mleaver", null)).statusCode())
                .isEqualTo(204);
        assertThat(latest(hub.as(cast.owner(), "DELETE", "/v2/orgs/morg/members/mleaver", null)).statusCode())
                .isEqualTo(404);
        assertThat(usernames(hub.as(cast.owner(), "GET", "/v2/orgs/morg/members", null))).doesNotContain("mleaver");
    }
}
