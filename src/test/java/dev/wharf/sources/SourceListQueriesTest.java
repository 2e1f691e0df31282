package dev.wharf.sources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import dev.wharf.testing.OnEachDatabase;
import dev.wharf.testing.PerDatabase;
import dev.wharf.testing.StatementMeter;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /v1/images/sources} costs the same number of SQL statements for 2 sources as for 40, ACL, creators
 * include and images_count meta included ({@link StatementMeter}). Hub "ssmall" has 2 sources, "slarge" 40, each
 * made by an editor of its own; every other source has an ACL that lets members view it, the rest one that hides
 * them from members. On SQLite and PostgreSQL.
 */
class SourceListQueriesTest {
    private static final int LARGE = 40;
    private static final String LIST = "/v1/images/sources?page[size]=100&include=creators&meta=images_count";

    /** A server with hubs "ssmall" and "slarge", their owner and a member. */
    record Fixture(CycleServer wharf, StatementMeter meter, String owner, String member) {
        static Fixture start(Path dir, String... databaseFlags) {
            CycleServer wharf = new CycleServer(TestServer.builder(dir).flags(databaseFlags).build());
            User alice = wharf.user("salice");
            User bob = wharf.user("sbob");
            Fixture f = new Fixture(wharf, new StatementMeter(() -> wharf.send("GET", "/metrics", null, null, null)),
                    wharf.token(alice), wharf.token(bob));
            List<User> editors = new ArrayList<>();
            for (int i = 0; i < LARGE; i++) editors.add(wharf.user("seditor-" + i));
            f.fill("ssmall", alice, bob, editors.subList(0, 2));
            f.fill("slarge", alice, bob, editors);
            return f;
        }

        private void fill(String hub, User alice, User bob, List<User> editors) {
            wharf.org(hub, alice);
            wharf.member(hub, bob, OrgRole.MEMBER);
            for (int i = 0; i < editors.size(); i++) {
                wharf.member(hub, editors.get(i), OrgRole.EDITOR);
                boolean membersSee = i % 2 == 0;
                String body = "{\"name\": \"Source " + i + "\", \"type\": \"direct\", \"origin\": {\"type\": \"none\"},"
                        + " \"acl\": {\"roles\": {\"editor\": {\"view\": true, \"modify\": true, \"manage\": false},"
                        + " \"member\": {\"view\": " + membersSee + ", \"modify\": false, \"manage\": false}}}}";
                HttpResponse<byte[]> r = wharf.send("POST", "/v1/images/sources", wharf.token(editors.get(i)), hub,
                        body);
                assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
                String id = CycleServer.json(r).path("data").path("id").asText();
                HttpResponse<byte[]> image = wharf.send("POST", "/v1/images", owner, hub,
                        "{\"source_id\": \"" + id + "\", \"name\": \"image-" + i + "\"}");
                assertThat(image.statusCode()).as(new String(image.body())).isEqualTo(201);
            }
        }

        JsonNode list(String token, String query) {
            String size = query.contains("page[size]") ? "" : "page[size]=100";
            return CycleServer.sources(wharf.send("GET", "/v1/images/sources?" + size + query, token, "slarge", null));
        }
    }

    @RegisterExtension
    static final PerDatabase<Fixture> SERVERS = new PerDatabase<>("wharf_srcq_", Fixture::start, Fixture::wharf);

    @OnEachDatabase
    void theListCostsTheSameStatementsWhateverItsSize(PerDatabase.Kind database) {
        Fixture f = SERVERS.on(database);
        CycleServer wharf = f.wharf();
        StatementMeter meter = f.meter();
        for (String who : List.of("owner", "member")) {
            String token = who.equals("owner") ? f.owner() : f.member();
            long small = meter.fewest(() -> wharf.send("GET", LIST, token, "ssmall", null));
            long large = meter.fewest(() -> wharf.send("GET", LIST, token, "slarge", null));
            System.out.printf("statements sources list as %s: 2 rows %d, 40 rows %d%n", who, small, large);
            assertThat(large).as(who).isEqualTo(small).isLessThanOrEqualTo(8);
        }
    }

    @OnEachDatabase
    void theAnswersAreRight(PerDatabase.Kind database) {
        Fixture f = SERVERS.on(database);
        CycleServer wharf = f.wharf();
        String owner = f.owner();
        String member = f.member();
        JsonNode asMember = CycleServer.sources(wharf.send("GET", LIST + "&sort=-name", member, "slarge", null));
        assertThat(asMember.path("data").size()).isEqualTo(LARGE / 2);
        List<String> names = new ArrayList<>();
        for (JsonNode s : asMember.path("data")) {
            names.add(s.path("name").asText());
            assertThat(s.path("meta").path("images_count").path("total").asLong()).isEqualTo(1);
            String creator = s.path("creator").path("id").asText();
            assertThat(asMember.path("includes").path("creators").path("accounts").path(creator).path("name")
                    .path("first").asText()).startsWith("seditor-");
        }
        assertThat(names).isSortedAccordingTo(java.util.Comparator.reverseOrder()).allSatisfy(n -> assertThat(
                Integer.parseInt(n.substring("Source ".length())) % 2).isZero());
        JsonNode asOwner = CycleServer.sources(wharf.send("GET", LIST, owner, "slarge", null));
        assertThat(asOwner.path("data").size()).isEqualTo(LARGE);
        assertThat(asOwner.path("includes").path("creators").path("accounts").size()).isEqualTo(LARGE);
    }

    /** Search, filters, multi-key sort and pages, now SQL, answer as the in-memory list did on both databases. */
    @OnEachDatabase
    void filtersSortsAndPagesInTheDatabase(PerDatabase.Kind database) {
        Fixture f = SERVERS.on(database);
        String owner = f.owner();
        String member = f.member();
        List<String> searched = names(f.list(owner, "&filter[search]=SOURCE%201"));
        assertThat(searched).hasSize(11).contains("Source 1", "Source 10", "Source 19"); // name, case-insensitive
        assertThat(names(f.list(member, "&filter[search]=source%201"))).hasSize(5); // Source 10..18, even ones
        JsonNode all = f.list(owner, "");
        String id = all.path("data").get(7).path("id").asText();
        assertThat(f.list(owner, "&filter[search]=" + id).path("data")).hasSize(1); // the exact id
        assertThat(names(f.list(owner, "&filter[identifier]=source-3"))).containsExactly("Source 3");
        assertThat(f.list(owner, "&filter[state]=deleting").path("data")).isEmpty();
        assertThat(names(f.list(owner, "&sort=state,name"))).hasSize(LARGE).isSorted(); // code-point order
        List<String> ids = new ArrayList<>();
        all.path("data").forEach(s -> ids.add(s.path("id").asText()));
        List<String> paged = new ArrayList<>();
        for (int page = 1; page <= 6; page++) {
            f.list(owner, "&page[size]=7&page[number]=" + page).path("data").forEach(s -> paged.add(s.path("id")
                    .asText()));
        }
        assertThat(paged).isEqualTo(ids); // creation order, pages neither repeat nor skip
        assertThat(CycleServer.sources(f.wharf().send("GET", "/v1/images/sources?sort=size", owner, "slarge", null))
                .path("error").path("status").asInt()).isEqualTo(400);
    }

    private static List<String> names(JsonNode list) {
        List<String> names = new ArrayList<>();
        list.path("data").forEach(s -> names.add(s.path("name").asText()));
        return names;
    }
}
