package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.beta;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
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

class HubAuditLogTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();
    static String alice;
    static String bob;

    @BeforeAll
    static void start() {
        User a = hub.createUser("alice");
        hub.createUser("bob");
        hub.accounts.organizations().createOrganization("auditorg", a.id());
        hub.accounts.organizations().setMember("auditorg", "bob", OrgRole.MEMBER);
        alice = hub.session("alice", PASSWORD);
        bob = hub.session("bob", PASSWORD);
        for (String label : List.of("one", "two", "three")) {
            HttpResponse<byte[]> r = hub.as(alice, "POST", "/v2/access-tokens",
                    json(Map.of("token_label", label, "scopes", List.of("repo:read"))));
            assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
        }
    }

    private static List<String> actions(HttpResponse<byte[]> r) {
        List<String> out = new ArrayList<>();
        body(r).path("logs").forEach(e -> out.add(e.path("action").asText()));
        return out;
    }

    @Test
    void usersReadTheirOwnLogNewestFirstWithFilters() {
        HttpResponse<byte[]> all = beta(hub.as(alice, "GET", "/v2/auditlogs/alice", null));
        assertThat(all.statusCode()).as(text(all)).isEqualTo(200);
        assertThat(actions(all)).contains("access_token.create", "user.login");
        JsonNode newest = body(all).path("logs").path(0);
        assertThat(newest.path("account").asText()).isEqualTo("alice");
        assertThat(newest.path("timestamp").asText()).endsWith("Z");
        assertThat(newest.path("action_description").asText()).isNotEmpty();

        HttpResponse<byte[]> filtered = beta(hub.as(alice, "GET",
                "/v2/auditlogs/alice?action=access_token.create&actor=alice&page_size=2", null));
        assertThat(actions(filtered)).containsExactly("access_token.create", "access_token.create");
        assertThat(body(filtered).path("logs").path(0).path("name").asText()).isEqualTo("three");
        HttpResponse<byte[]> page2 = beta(hub.as(alice, "GET",
                "/v2/auditlogs/alice?action=access_token.create&page=2&page_size=2", null));
        assertThat(actions(page2)).containsExactly("access_token.create");
        HttpResponse<byte[]> byName = beta(hub.as(alice, "GET", "/v2/auditlogs/alice?name=two", null));
        assertThat(body(byName).path("logs")).hasSize(1);

        HttpResponse<byte[]> future = beta(hub.as(alice, "GET", "/v2/auditlogs/alice?from=2999-01-01T00:00:00Z",
                null));
        assertThat(body(future).path("logs")).isEmpty();
        HttpResponse<byte[]> past = beta(hub.as(alice, "GET", "/v2/auditlogs/alice?to=2000-01-01T00:00:00Z", null));
        assertThat(body(past).path("logs")).isEmpty();
    }

    @Test
    void badFiltersAre400() {
        HttpResponse<byte[]> badTime = beta(hub.as(alice, "GET", "/v2/auditlogs/alice?from=yesterday", null));
        assertThat(badTime.statusCode()).isEqualTo(400);
        assertThat(body(badTime).path("fields").has("from")).isTrue();
        HttpResponse<byte[]> badAction = beta(hub.as(alice, "GET", "/v2/auditlogs/alice?action=repo.explode", null));
        assertThat(badAction.statusCode()).isEqualTo(400);
        assertThat(body(badAction).path("fields").has("action")).isTrue();
        assertThat(beta(hub.as(alice, "GET", "/v2/auditlogs/alice?page_size=0", null)).statusCode()).isEqualTo(400);
    }

    @Test
    void orgOwnersReadTheOrganizationsLogAndOthersGet404() {
        HttpResponse<byte[]> org = beta(hub.as(alice, "GET", "/v2/auditlogs/auditorg", null));
        assertThat(org.statusCode()).as(text(org)).isEqualTo(200);
        assertThat(actions(org)).contains("org.create", "org.member.add");

        HttpResponse<byte[]> member = beta(hub.as(bob, "GET", "/v2/auditlogs/auditorg", null));
        HttpResponse<byte[]> missing = beta(hub.as(bob, "GET", "/v2/auditlogs/nosuchaccount", null));
        HttpResponse<byte[]> otherUser = beta(hub.as(bob, "GET", "/v2/auditlogs/alice", null));
        assertThat(member.statusCode()).isEqualTo(404);
        assertThat(otherUser.statusCode()).isEqualTo(404);
        assertThat(text(member)).isEqualTo(text(missing)).isEqualTo(text(otherUser));
        assertThat(beta(hub.as(bob, "GET", "/v2/auditlogs/alice/actions", null)).statusCode()).isEqualTo(404);
        assertThat(beta(hub.send("GET", "/v2/auditlogs/alice", null)).statusCode()).isEqualTo(401);
    }

    @Test
    void actionsAreGroupedWithLabels() {
        HttpResponse<byte[]> r = beta(hub.as(alice, "GET", "/v2/auditlogs/alice/actions", null));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode repo = body(r).path("actions").path("repo");
        assertThat(repo.path("label").asText()).isEqualTo("Repository");
        List<String> names = new ArrayList<>();
        repo.path("actions").forEach(a -> names.add(a.path("name").asText()));
        assertThat(names).contains("repo.tag.push", "repo.change_privacy", "repo.tag.immutable_refused");
        assertThat(body(r).path("actions").path("org").path("label").asText()).isEqualTo("Organization");
    }
}
