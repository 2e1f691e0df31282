package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import dev.wharf.testing.StatementMeter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An organization's lists (members with their teams, teams filtered by member, organization access tokens with
 * their resources) cost the same number of SQL statements for 2 rows as for 40 ({@link StatementMeter}).
 * "nsmall" has 2 members, 2 teams and 2 tokens; "nlarge" 40 of each; every member is in a team of their own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NamespaceListQueriesTest {
    private static final int LARGE = 40;
    HubTestServer hub;
    StatementMeter meter;
    String owner;

    /** Extra server flags: none for SQLite; the PostgreSQL subclass points the server at a schema of its own. */
    String[] databaseArgs() {
        return new String[0];
    }

    @BeforeAll
    void start(@TempDir Path dir) {
        List<String> args = new ArrayList<>(List.of("--gc-enabled", "false", "--webhooks-deliver", "false"));
        args.addAll(List.of(databaseArgs()));
        hub = new HubTestServer(dir, args.toArray(String[]::new));
        meter = hub.statementMeter();
        User o = hub.createUser("nowner");
        owner = hub.session("nowner", PASSWORD);
        for (int i = 0; i < LARGE; i++) hub.createUser("nuser-" + i);
        fill("nsmall", o, 2);
        fill("nlarge", o, LARGE);
    }

    private void fill(String org, User o, int n) {
        hub.accounts.createOrganization(org, o.id());
        for (int i = 0; i < n; i++) {
            String user = "nuser-" + i;
            hub.accounts.setMember(org, user, i % 3 == 0 ? OrgRole.EDITOR : OrgRole.MEMBER);
            hub.accounts.createTeam(org, "team-" + i, "team " + i);
            hub.accounts.addTeamMember(org, "team-" + i, user);
            HttpResponse<byte[]> r = hub.as(owner, "POST", "/v2/orgs/" + org + "/access-tokens", json(Map.of(
                    "label", "token-" + i, "resources", List.of(Map.of("type", "TYPE_REPO", "path",
                            org + "/repo-" + i, "scopes", List.of("scope-image-pull"))))));
            assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
        }
    }

    @AfterAll
    void stop() {
        hub.close();
    }

    @Test
    void membersWithTheirTeams() {
        assertBounded("/v2/orgs/%s/members?page_size=100", 8);
        JsonNode large = get("/v2/orgs/nlarge/members?page_size=100");
        assertThat(large.path("count").asInt()).isEqualTo(LARGE + 1); // and the owner
        for (JsonNode m : large.path("results")) {
            String name = m.path("username").asText();
            List<String> teams = new ArrayList<>();
            m.path("groups").forEach(g -> teams.add(g.asText()));
            assertThat(teams).as(name).isEqualTo(name.equals("nowner") ? List.of()
                    : List.of("team-" + name.substring("nuser-".length())));
        }
    }

    @Test
    void teamsOfOneMember() {
        assertBounded("/v2/orgs/%s/groups?page_size=100&username=nuser-1", 6);
        JsonNode found = get("/v2/orgs/nlarge/groups?page_size=100&username=nuser-1");
        assertThat(found.path("count").asInt()).isEqualTo(1);
        assertThat(found.path("results").get(0).path("name").asText()).isEqualTo("team-1");
        assertBounded("/v2/orgs/%s/groups?page_size=100", 6);
    }

    @Test
    void accessTokensWithTheirResources() {
        assertBounded("/v2/orgs/%s/access-tokens?page_size=100", 8);
        JsonNode large = get("/v2/orgs/nlarge/access-tokens?page_size=100");
        assertThat(large.path("total").asInt()).isEqualTo(LARGE);
        for (JsonNode t : large.path("results")) {
            String n = t.path("label").asText().substring("token-".length());
            assertThat(t.path("resources").get(0).path("path").asText()).isEqualTo("nlarge/repo-" + n);
        }
    }

    /** The list of nlarge costs what the list of nsmall does, and at most {@code bound}. */
    private void assertBounded(String pathOfOrg, long bound) {
        long small = meter.fewest(() -> hub.as(owner, "GET", pathOfOrg.formatted("nsmall"), null));
        long large = meter.fewest(() -> hub.as(owner, "GET", pathOfOrg.formatted("nlarge"), null));
        System.out.printf("statements %s: 2 rows %d, 40 rows %d%n", pathOfOrg, small, large);
        assertThat(large).as(pathOfOrg).isEqualTo(small).isLessThanOrEqualTo(bound);
    }

    private JsonNode get(String path) {
        HttpResponse<byte[]> r = hub.as(owner, "GET", path, null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return body(r);
    }
}
