package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import dev.wharf.testing.OnEachDatabase;
import dev.wharf.testing.PerDatabase;
import dev.wharf.testing.StatementMeter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A repository list costs the same number of SQL statements for 2 repositories as for 40 (no query per row),
 * counted with the server's own {@code wharf_db_statements} metric around the request ({@link StatementMeter}), on
 * SQLite and PostgreSQL.
 */
class RepositoryListQueriesTest {
    /** A server with an owner and a member of "qsmall" (2 repositories) and "qlarge" (40), half of them private. */
    record Fixture(HubTestServer hub, StatementMeter meter, String owner, String member) {
        static Fixture start(Path dir, String... databaseFlags) {
            HubTestServer hub = HubTestServer.quiet(dir, databaseFlags);
            User o = hub.createUser("qowner");
            hub.createUser("qmember");
            String owner = hub.session("qowner", PASSWORD);
            for (String org : List.of("qsmall", "qlarge")) {
                hub.accounts.organizations().createOrganization(org, o.id());
                hub.accounts.organizations().setMember(org, "qmember", OrgRole.MEMBER);
                for (int i = 0; i < (org.equals("qsmall") ? 2 : 40); i++) {
                    HttpResponse<byte[]> r = hub.as(owner, "POST", "/v2/namespaces/" + org + "/repositories",
                            json(Map.of("name", "repo-" + i, "namespace", org, "is_private", i % 2 == 0)));
                    assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
                }
            }
            return new Fixture(hub, hub.statementMeter(), owner, hub.session("qmember", PASSWORD));
        }

        long statementsFor(String session, String path) {
            return meter.fewest(() -> hub.as(session, "GET", path, null));
        }
    }

    @RegisterExtension
    static final PerDatabase<Fixture> SERVERS = new PerDatabase<>("wharf_repoq_", Fixture::start, Fixture::hub);

    @OnEachDatabase
    void aListPageCostsTheSameStatementsWhateverItsSize(PerDatabase.Kind database) {
        Fixture f = SERVERS.on(database);
        long small = f.statementsFor(f.owner(), "/v2/namespaces/qsmall/repositories?page_size=100");
        long large = f.statementsFor(f.owner(), "/v2/namespaces/qlarge/repositories?page_size=100");
        assertThat(large).isEqualTo(small).isLessThanOrEqualTo(10);
        // A member (team permissions and privacy looked up) and the legacy path: the same bound.
        long memberSmall = f.statementsFor(f.member(), "/v2/repositories/qsmall/?page_size=100");
        long memberLarge = f.statementsFor(f.member(), "/v2/repositories/qlarge/?page_size=100");
        assertThat(memberLarge).isEqualTo(memberSmall).isLessThanOrEqualTo(12);
        System.out.printf("statements repository list (%s): owner 2 rows %d, 40 rows %d; member 2 rows %d, 40 rows %d%n",
                database, small, large, memberSmall, memberLarge);
        // And the answers are right: the member sees only the public half.
        HubTestServer hub = f.hub();
        HttpResponse<byte[]> list = hub.as(f.member(), "GET", "/v2/namespaces/qlarge/repositories?page_size=100", null);
        assertThat(body(list).path("count").asInt()).isEqualTo(20);
        HttpResponse<byte[]> all = hub.as(f.owner(), "GET", "/v2/namespaces/qlarge/repositories?page_size=100", null);
        assertThat(body(all).path("count").asInt()).isEqualTo(40);
        HttpResponse<byte[]> named = hub.as(f.owner(), "GET", "/v2/namespaces/qlarge/repositories?name=repo-3", null);
        assertThat(body(named).path("count").asInt()).isEqualTo(11); // repo-3 and repo-30..39
    }
}
