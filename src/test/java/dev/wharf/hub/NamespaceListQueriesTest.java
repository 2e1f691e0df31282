package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import dev.wharf.testing.OnEachDatabase;
import dev.wharf.testing.PerDatabase;
import dev.wharf.testing.StatementMeter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An organization's lists (members with their teams, teams filtered by member, organization access tokens with
 * their resources) cost the same number of SQL statements for 2 rows as for 40 ({@link StatementMeter}), on SQLite
 * and PostgreSQL.
 * "nsmall" has 2 members, 2 teams and 2 tokens; "nlarge" 40 of each; every member is in a team of their own.
 */
class NamespaceListQueriesTest {
    private static final int LARGE = 40;

    /** A server with the owner of "nsmall" and "nlarge" and users nuser-0..39. */
    record Fixture(HubTestServer hub, StatementMeter meter, String owner) {
        static Fixture start(Path dir, String... databaseFlags) {
            HubTestServer hub = HubTestServer.quiet(dir, databaseFlags);
            User o = hub.createUser("nowner");
            Fixture f = new Fixture(hub, hub.statementMeter(), hub.session("nowner", PASSWORD));
            for (int i = 0; i < LARGE; i++) hub.createUser("nuser-" + i);
            f.fill("nsmall", o, 2);
            f.fill("nlarge", o, LARGE);
            return f;
        }

        private void fill(String org, User o, int n) {
            hub.accounts.organizations().createOrganization(org, o.id());
            for (int i = 0; i < n; i++) {
                String user = "nuser-" + i;
                hub.accounts.organizations().setMember(org, user, i % 3 == 0 ? OrgRole.EDITOR : OrgRole.MEMBER);
                hub.accounts.teams().createTeam(org, "team-" + i, "team " + i);
                hub.accounts.teams().addTeamMember(org, "team-" + i, user);
                HttpResponse<byte[]> r = hub.as(owner, "POST", "/v2/orgs/" + org + "/access-tokens", json(Map.of(
                        "label", "token-" + i, "resources", List.of(Map.of("type", "TYPE_REPO", "path",
                                org + "/repo-" + i, "scopes", List.of("scope-image-pull"))))));
                assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
            }
        }

        /** The list of nlarge costs what the list of nsmall does, and at most {@code bound}. */
        void assertBounded(String pathOfOrg, long bound) {
            long small = meter.fewest(() -> hub.as(owner, "GET", pathOfOrg.formatted("nsmall"), null));
            long large = meter.fewest(() -> hub.as(owner, "GET", pathOfOrg.formatted("nlarge"), null));
            System.out.printf("statements %s: 2 rows %d, 40 rows %d%n", pathOfOrg, small, large);
            assertThat(large).as(pathOfOrg).isEqualTo(small).isLessThanOrEqualTo(bound);
        }

        JsonNode get(String path) {
            HttpResponse<byte[]> r = hub.as(owner, "GET", path, null);
            assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
            return body(r);
        }
    }

    @RegisterExtension
    static final PerDatabase<Fixture> SERVERS = new PerDatabase<>("wharf_nsq_", Fixture::start, Fixture::hub);

    @OnEachDatabase
    void membersWithTheirTeams(PerDatabase.Kind database) {
        Fixture f = SERVERS.on(database);
        f.assertBounded("/v2/orgs/%s/members?page_size=100", 8);
        JsonNode large = f.get("/v2/orgs/nlarge/members?page_size=100");
        assertThat(large.path("count").asInt()).isEqualTo(LARGE + 1); // and the owner
        for (JsonNode m : large.path("results")) {
            String name = m.path("username").asText();
            List<String> teams = new ArrayList<>();
            m.path("groups").forEach(g -> teams.add(g.asText()));
            assertThat(teams).as(name).isEqualTo(name.equals("nowner") ? List.of()
                    : List.of("team-" + name.substring("nuser-".length())));
        }
    }

    @OnEachDatabase
    void teamsOfOneMember(PerDatabase.Kind database) {
        Fixture f = SERVERS.on(database);
        f.assertBounded("/v2/orgs/%s/groups?page_size=100&username=nuser-1", 6);
        JsonNode found = f.get("/v2/orgs/nlarge/groups?page_size=100&username=nuser-1");
        assertThat(found.path("count").asInt()).isEqualTo(1);
        assertThat(found.path("results").get(0).path("name").asText()).isEqualTo("team-1");
        f.assertBounded("/v2/orgs/%s/groups?page_size=100", 6);
    }

    @OnEachDatabase
    void accessTokensWithTheirResources(PerDatabase.Kind database) {
        Fixture f = SERVERS.on(database);
        f.assertBounded("/v2/orgs/%s/access-tokens?page_size=100", 8);
        JsonNode large = f.get("/v2/orgs/nlarge/access-tokens?page_size=100");
        assertThat(large.path("total").asInt()).isEqualTo(LARGE);
        for (JsonNode t : large.path("results")) {
            String n = t.path("label").asText().substring("token-".length());
            assertThat(t.path("resources").get(0).path("path").asText()).isEqualTo("nlarge/repo-" + n);
        }
    }
}
