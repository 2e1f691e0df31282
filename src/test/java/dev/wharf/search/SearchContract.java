package dev.wharf.search;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.app.WharfServer;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.ImageRestrictions;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.RepositorySettingsService;
import dev.wharf.auth.TeamPermission;
import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.RepositoryCatalog;
import dev.wharf.testing.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * GET /v1/search and GET /v2/search/repositories/ against a real server: who sees what (anonymous, owner, team
 * member, organization editor, outsider, administrator), ranking, paging, and errors in each API's own shape.
 * Runs on SQLite and PostgreSQL (subclasses), whose search SQL differs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one server and data set per class: the tests only read it
abstract class SearchContract {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "Us3r-secret-for-search";
    static final String ADMIN_PASSWORD = "Adm1n-secret-for-search";

    WharfServer server;
    Database database;
    AccountService accounts;
    String base;
    final HttpClient http = HttpClient.newHttpClient();

    /** Extra flags naming the database. */
    abstract List<String> databaseArgs() throws Exception;

    @BeforeAll
    void start() throws Exception {
        List<String> args = new ArrayList<>(List.of("--addr", "127.0.0.1:0", "--log-access", "false",
                "--admin-password", ADMIN_PASSWORD));
        args.addAll(databaseArgs());
        WharfConfig config = ConfigLoader.load(args, Map.of());
        server = WharfServer.start(config, Clock.systemUTC(), TestServer.PASSWORDS);
        base = "http://127.0.0.1:" + server.port();
        database = Database.open(config.db().url(), emptyToNull(config.db().user()), null, 2, emptyToNull(config.db().schema()));
        accounts = new AccountService(database, TestServer.PASSWORDS, Clock.systemUTC());
        RepositorySettingsService settings = new RepositorySettingsService(database, Clock.systemUTC(), true);
        RepositoryCatalog catalog = new RepositoryCatalog(database);
        for (String user : List.of("alice", "bob", "carol", "dave", "erin", "frank")) {
            accounts.createUser(user, user + "@example.test", PASSWORD, false);
        }
        long alice = accounts.findUser("alice").orElseThrow().id();
        accounts.organizations().createOrganization("acme", alice);
        accounts.organizations().setMember("acme", "carol", OrgRole.MEMBER);
        accounts.organizations().setMember("acme", "erin", OrgRole.EDITOR);
        accounts.teams().createTeam("acme", "readers", "");
        accounts.teams().addTeamMember("acme", "readers", "carol");
        accounts.teams().setTeamPermission("acme", "readers", "acme/app", TeamPermission.READ);
        // name, private, description
        Object[][] repos = {
                {"alice/app", true, "the app server"},
                {"alice/app-tools", false, "tools"},
                {"bob/app", false, "another one"},
                {"bob/secret", true, "app secrets"},
                {"acme/app", true, ""},
                {"acme/billing", true, "billing app for acme"},
                {"bob/zeta", false, "has an app inside"},
                {"grace/widget", false, ""},
                {"vendor/widget", false, "official widget builds"},
                {"locked/widget", true, ""},
                {"frank/gadget", false, ""},
        };
        // frank owns "locked", which restricts its members' pulls to its own images and official ones.
        accounts.organizations().createOrganization("locked", accounts.findUser("frank").orElseThrow().id());
        ImageRestrictions restrictions = new ImageRestrictions(database, accounts, Clock.systemUTC());
        restrictions.setSettings("locked", new ImageRestrictions.Settings(true, true, false));
        restrictions.setBadges("vendor", new ImageRestrictions.Badges(true, false));
        for (Object[] r : repos) {
            String name = (String) r[0];
            database.jdbi().useHandle(h -> h.execute("INSERT INTO repositories (name, created_at) VALUES (?, ?)",
                    name, System.currentTimeMillis()));
            settings.setPrivate(name, (Boolean) r[1], null);
            if (!((String) r[2]).isEmpty()) catalog.setDescriptions(name, (String) r[2], "", Instant.now());
        }
    }

    @AfterAll
    void stop() throws Exception {
        http.shutdownNow(); // no kept-alive connection for the graceful stop to wait out (see TestServer.close)
        if (server != null) server.stop();
        if (database != null) database.close();
        cleanUp();
    }

    /** After the server stopped: e.g. drop a database schema. */
    void cleanUp() throws Exception {}

    @Test
    void anonymousAndOutsidersSeePublicRepositoriesOnlyRankedExactPrefixDescription() throws Exception {
        // Exact name after the namespace, then a name that starts with it, then a description match.
        List<String> expected = List.of("bob/app", "alice/app-tools", "bob/zeta");
        assertThat(v1Names("app", null)).isEqualTo(expected);
        assertThat(v1Names("app", basic("dave", PASSWORD))).isEqualTo(expected);
        // dockerd sends an empty Basic pair when no one is logged in: anonymous, not a failed login.
        assertThat(v1Names("app", basic("", ""))).isEqualTo(expected);
        assertThat(hubNames("app", null)).isEqualTo(expected);
        assertThat(v1("secret", null).path("num_results").asLong()).isZero();
    }

    @Test
    void membersSeeWhatTheyMayPull() throws Exception {
        // alice owns her namespace and the acme organization (its creator is an owner).
        assertThat(v1Names("app", basic("alice", PASSWORD)))
                .containsExactly("acme/app", "alice/app", "bob/app", "alice/app-tools", "acme/billing", "bob/zeta");
        // carol is a plain member of acme with a team's read permission on acme/app only.
        assertThat(v1Names("app", basic("carol", PASSWORD))).containsExactly("acme/app", "bob/app",
                "alice/app-tools", "bob/zeta");
        // erin edits acme: every acme repository.
        assertThat(v1Names("billing", basic("erin", PASSWORD))).containsExactly("acme/billing");
        assertThat(v1Names("billing", basic("carol", PASSWORD))).isEmpty();
        // bob sees his private repository by its description.
        assertThat(hubNames("secrets", basic("bob", PASSWORD))).containsExactly("bob/secret");
        // The administrator sees everything.
        assertThat(v1Names("app", basic("admin", ADMIN_PASSWORD))).hasSize(7);
    }

    @Test
    void restrictedImagesHideWhatAnOrganizationsMembersMayNotPull() throws Exception {
        // Outsiders are not restricted: every public widget.
        assertThat(v1Names("widget", null)).containsExactly("grace/widget", "vendor/widget");
        assertThat(v1Names("widget", basic("dave", PASSWORD))).containsExactly("grace/widget", "vendor/widget");
        // frank may pull his organization's images and official ones, nothing else (not even public ones, and not
        // his own namespace's: AccessControl.registryAllowed refuses those pulls too), whichever kind of match.
        assertThat(v1Names("widget", basic("frank", PASSWORD))).containsExactly("locked/widget", "vendor/widget");
        assertThat(hubNames("widget", basic("frank", PASSWORD))).containsExactly("locked/widget", "vendor/widget");
        assertThat(v1Names("builds", basic("frank", PASSWORD))).containsExactly("vendor/widget");
        assertThat(v1Names("gadget", basic("frank", PASSWORD))).isEmpty();
        assertThat(v1Names("app", basic("frank", PASSWORD))).isEmpty();
        assertThat(v1("widget", basic("frank", PASSWORD)).path("num_results").asLong()).isEqualTo(2);
        JsonNode official = hub("widget", basic("frank", PASSWORD)).path("results").get(1);
        assertThat(official.path("is_official").asBoolean()).isTrue();
        // The administrator is never restricted.
        assertThat(v1Names("widget", basic("admin", ADMIN_PASSWORD)))
                .containsExactly("grace/widget", "locked/widget", "vendor/widget");
    }

    @Test
    void fullNamesWordsAndDescriptionsMatch() throws Exception {
        assertThat(v1Names("bob/app", null)).first().isEqualTo("bob/app");
        assertThat(v1Names("bob/", null)).containsExactly("bob/app", "bob/zeta");
        assertThat(v1Names("TOOLS", null)).containsExactly("alice/app-tools");
        assertThat(v1Names("another", null)).containsExactly("bob/app");
        assertThat(v1Names("nothing-like-it", null)).isEmpty();
    }

    @Test
    void pagesCountEverythingAndShowASlice() throws Exception {
        JsonNode first = v1("app&n=2&page=1", null);
        assertThat(first.path("num_results").asLong()).isEqualTo(3);
        assertThat(first.path("num_pages").asLong()).isEqualTo(2);
        assertThat(names(first.path("results"), "name")).containsExactly("bob/app", "alice/app-tools");
        JsonNode second = v1("app&n=2&page=2", null);
        assertThat(names(second.path("results"), "name")).containsExactly("bob/zeta");
        JsonNode past = v1("app&n=2&page=9", null);
        assertThat(past.path("results")).isEmpty();
        assertThat(past.path("num_results").asLong()).isEqualTo(3);

        JsonNode hub = hub("app&page_size=2", null);
        assertThat(hub.path("count").asLong()).isEqualTo(3);
        assertThat(hub.path("next").asText()).contains("page=2").contains("query=app");
        assertThat(hub.path("previous").isNull()).isTrue();
        JsonNode row = hub.path("results").get(0);
        assertThat(row.path("repo_name").asText()).isEqualTo("bob/app");
        assertThat(row.path("repo_owner").asText()).isEqualTo("bob");
        assertThat(row.path("short_description").asText()).isEqualTo("another one");
    }

    @Test
    void registryAndHubBearerTokensIdentifyTheCaller() throws Exception {
        // What dockerd does with a stored identity token: a registry token for registry:catalog:search.
        HttpResponse<String> token = send("/token?service=wharf&scope=registry:catalog:search",
                basic("bob", PASSWORD));
        assertThat(token.statusCode()).isEqualTo(200);
        String registryToken = JSON.readTree(token.body()).path("token").asText();
        assertThat(v1Names("secret", "Bearer " + registryToken)).containsExactly("bob/secret");
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/users/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"bob\",\"password\":\"" + PASSWORD + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        String session = JSON.readTree(login.body()).path("token").asText();
        assertThat(hubNames("secret", "Bearer " + session)).containsExactly("bob/secret");
        assertThat(hubNames("secret", "JWT " + session)).containsExactly("bob/secret");
    }

    @Test
    void badInputAndBadCredentialsAnswerInEachApisShape() throws Exception {
        HttpResponse<String> empty = send("/v1/search?q=", null);
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(empty.body()).path("error").path("code").asText()).isEqualTo("400.invalid-syntax");
        HttpResponse<String> size = send("/v1/search?q=app&n=1000", null);
        assertThat(size.statusCode()).isEqualTo(400);
        HttpResponse<String> notNumber = send("/v1/search?q=app&page=x", null);
        assertThat(notNumber.statusCode()).isEqualTo(400);
        HttpResponse<String> wrong = send("/v1/search?q=app", basic("bob", "wrong-password"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).doesNotContain("bob/");
        HttpResponse<String> forged = send("/v1/search?q=app", "Bearer not.a.token");
        assertThat(forged.statusCode()).isEqualTo(401);

        HttpResponse<String> hubEmpty = send("/v2/search/repositories/?query=", null);
        assertThat(hubEmpty.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(hubEmpty.body()).has("detail")).isTrue();
        HttpResponse<String> hubWrong = send("/v2/search/repositories/?query=app", basic("bob", "wrong-password"));
        assertThat(hubWrong.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(hubWrong.body()).has("detail")).isTrue();
        HttpResponse<String> ping = send("/v1/_ping", null);
        assertThat(ping.statusCode()).isEqualTo(200);
        assertThat(ping.headers().firstValue("X-Docker-Registry-Standalone")).hasValue("true");
    }

    @Test
    void descriptionsWrittenLaterAreFoundAndDeletedRepositoriesGo() throws Exception {
        database.jdbi().useHandle(h -> h.execute("INSERT INTO repositories (name, created_at) VALUES (?, ?)",
                "dave/notes", System.currentTimeMillis()));
        new RepositorySettingsService(database, Clock.systemUTC(), true).setPrivate("dave/notes", false, null);
        RepositoryCatalog catalog = new RepositoryCatalog(database);
        catalog.setDescriptions("dave/notes", "about databases", "", Instant.now());
        assertThat(v1Names("databases", null)).containsExactly("dave/notes");
        catalog.setDescriptions("dave/notes", "about kettles", "", Instant.now());
        assertThat(v1Names("databases", null)).isEmpty();
        assertThat(v1Names("kettles", null)).containsExactly("dave/notes");
        // Privacy changes reach word matches at once, both ways.
        RepositorySettingsService settings = new RepositorySettingsService(database, Clock.systemUTC(), true);
        settings.setPrivate("dave/notes", true, null);
        assertThat(v1Names("kettles", null)).isEmpty();
        assertThat(v1Names("kettles", basic("dave", PASSWORD))).containsExactly("dave/notes");
        assertThat(v1Names("kettles", basic("bob", PASSWORD))).isEmpty();
        settings.setPrivate("dave/notes", false, null);
        assertThat(v1Names("kettles", null)).containsExactly("dave/notes");
        database.jdbi().useHandle(h -> h.execute("DELETE FROM repositories WHERE name = ?", "dave/notes"));
        assertThat(v1Names("kettles", null)).isEmpty();
    }

    @Test
    void membershipChangesReachACallerWhoseRightsWereCached() throws Exception {
        // The server caches what a user may pull beyond public repositories; a change made elsewhere (here through
        // the test's own connection, as another node or the admin CLI would) retires it within the epoch's bound.
        accounts.createUser("gina", "gina@example.test", PASSWORD, false);
        String gina = basic("gina", PASSWORD);
        assertThat(v1Names("billing", gina)).isEmpty();
        accounts.organizations().setMember("acme", "gina", OrgRole.EDITOR);
        assertThat(eventually(() -> v1Names("billing", gina), names -> !names.isEmpty()))
                .containsExactly("acme/billing");
        accounts.organizations().removeMember("acme", "gina");
        assertThat(eventually(() -> v1Names("billing", gina), List::isEmpty)).isEmpty();
    }

    /** The first answer that passes, asking again for up to 10 s (the epoch polls every second). */
    static <T> T eventually(java.util.concurrent.Callable<T> ask, java.util.function.Predicate<T> done)
            throws Exception {
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        T answer = ask.call();
        while (!done.test(answer) && System.nanoTime() < until) {
            Thread.sleep(100);
            answer = ask.call();
        }
        return answer;
    }

    List<String> v1Names(String q, String authorization) throws Exception {
        return names(v1(URLEncoder.encode(q, StandardCharsets.UTF_8), authorization).path("results"), "name");
    }

    List<String> hubNames(String q, String authorization) throws Exception {
        return names(hub(URLEncoder.encode(q, StandardCharsets.UTF_8), authorization).path("results"), "repo_name");
    }

    JsonNode v1(String qAndMore, String authorization) throws Exception {
        HttpResponse<String> response = send("/v1/search?q=" + qAndMore, authorization);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    JsonNode hub(String queryAndMore, String authorization) throws Exception {
        HttpResponse<String> response = send("/v2/search/repositories/?query=" + queryAndMore, authorization);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    HttpResponse<String> send(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        if (authorization != null) request.header("Authorization", authorization);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static List<String> names(JsonNode results, String field) {
        List<String> names = new ArrayList<>();
        results.forEach(r -> names.add(r.path(field).asText()));
        return names;
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
