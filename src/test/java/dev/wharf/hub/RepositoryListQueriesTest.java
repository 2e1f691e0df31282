package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

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
 * A repository list costs the same number of SQL statements for 2 repositories as for 40 (no query per row),
 * counted with the server's own {@code wharf_db_statements} metric around the request ({@link StatementMeter}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RepositoryListQueriesTest {
    HubTestServer hub;
    StatementMeter meter;
    String owner;
    String member;

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
        User o = hub.createUser("qowner");
        hub.createUser("qmember");
        hub.accounts.createOrganization("qsmall", o.id());
        hub.accounts.createOrganization("qlarge", o.id());
        hub.accounts.setMember("qsmall", "qmember", OrgRole.MEMBER);
        hub.accounts.setMember("qlarge", "qmember", OrgRole.MEMBER);
        owner = hub.session("qowner", PASSWORD);
        member = hub.session("qmember", PASSWORD);
        create("qsmall", 2);
        create("qlarge", 40);
    }

    private void create(String org, int n) {
        for (int i = 0; i < n; i++) {
            HttpResponse<byte[]> r = hub.as(owner, "POST", "/v2/namespaces/" + org + "/repositories",
                    json(Map.of("name", "repo-" + i, "namespace", org, "is_private", i % 2 == 0)));
            assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
        }
    }

    @AfterAll
    void stop() {
        hub.close();
    }

    @Test
    void aListPageCostsTheSameStatementsWhateverItsSize() {
        long small = statementsFor(owner, "/v2/namespaces/qsmall/repositories?page_size=100");
        long large = statementsFor(owner, "/v2/namespaces/qlarge/repositories?page_size=100");
        assertThat(large).isEqualTo(small).isLessThanOrEqualTo(10);
        // A member (team permissions and privacy looked up) and the legacy path: the same bound.
        long memberSmall = statementsFor(member, "/v2/repositories/qsmall/?page_size=100");
        long memberLarge = statementsFor(member, "/v2/repositories/qlarge/?page_size=100");
        assertThat(memberLarge).isEqualTo(memberSmall).isLessThanOrEqualTo(12);
        System.out.printf("statements repository list: owner 2 rows %d, 40 rows %d; member 2 rows %d, 40 rows %d%n",
                small, large, memberSmall, memberLarge);
        // And the answers are right: the member sees only the public half.
        HttpResponse<byte[]> list = hub.as(member, "GET", "/v2/namespaces/qlarge/repositories?page_size=100", null);
        assertThat(body(list).path("count").asInt()).isEqualTo(20);
        HttpResponse<byte[]> all = hub.as(owner, "GET", "/v2/namespaces/qlarge/repositories?page_size=100", null);
        assertThat(body(all).path("count").asInt()).isEqualTo(40);
        HttpResponse<byte[]> named = hub.as(owner, "GET", "/v2/namespaces/qlarge/repositories?name=repo-3", null);
        assertThat(body(named).path("count").asInt()).isEqualTo(11); // repo-3 and repo-30..39
    }

    private long statementsFor(String session, String path) {
        return meter.fewest(() -> hub.as(session, "GET", path, null));
    }
}
