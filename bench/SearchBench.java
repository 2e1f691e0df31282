import dev.wharf.app.WharfServer;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.TeamPermission;
import dev.wharf.config.ConfigLoader;
import dev.wharf.storage.meta.Database;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Repository search at scale (docs/benchmarks.md, "Search at 100,000 repositories"): fills N repositories in
 * 2,000 namespaces (names and descriptions from a small vocabulary, so common words match thousands; 70 %
 * private) straight into the database, starts a node on it (auth on) and times GET /v1/search and
 * GET /v2/search/repositories/ over HTTP, one request at a time, client in the same JVM: anonymous; as a
 * member of 20 organizations with 50 team grants; as an outsider (a user in no organization); and as the server
 * administrator (each signed in with a bearer registry token, as dockerd sends after login).
 * Run by bench/search.sh: java -cp target/wharf.jar bench/SearchBench.java [sqlite|postgres] [N] [R].
 */
public class SearchBench {
    static final String[] WORDS = {"api", "web", "app", "db", "cache", "worker", "nginx", "redis", "postgres",
            "node", "python", "go", "tools", "proxy", "auth", "billing", "search", "queue", "metrics", "logs",
            "frontend", "backend", "gateway", "scheduler", "mailer", "builder", "runner", "agent", "exporter", "base"};
    static final String[] PROSE = {"service", "for", "the", "monitoring", "of", "internal", "image", "with",
            "tooling", "and", "debian", "alpine", "minimal", "build", "production", "staging", "team", "platform"};
    static final String PASSWORD = "Bench-member-pass-1";

    public static void main(String[] args) throws Exception {
        String db = args.length > 0 ? args[0] : "sqlite";
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int requests = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        Path dir = Files.createTempDirectory("wharf-search-bench");
        String schema = "wharf_search_bench_" + Long.toHexString(System.nanoTime());
        List<String> flags = new ArrayList<>(List.of("--addr", "127.0.0.1:0", "--data-dir", dir.toString(),
                "--ratelimit-enabled", "false", "--log-access", "false", "--admin-password", "Bench-admin-pass-1"));
        if (db.equals("postgres")) {
            flags.addAll(List.of("--db-url", "jdbc:postgresql://127.0.0.1:5432/test", "--db-user", "postgres",
                    "--db-schema", schema));
        }
        var config = ConfigLoader.load(flags, Map.of());
        WharfServer server = WharfServer.start(config); // migrates the schema
        // The fill's own pool; on PostgreSQL with batched INSERTs rewritten into multi-row ones (minutes, not half an hour).
        String fillUrl = config.db().url() + (db.equals("postgres") ? "?reWriteBatchedInserts=true" : "");
        Database database = Database.open(fillUrl, config.db().user().isEmpty() ? null : config.db().user(),
                null, 4, config.db().schema().isEmpty() ? null : config.db().schema());
        try {
            long t0 = System.nanoTime();
            fill(database, count);
            System.err.printf("filled %d repositories on %s in %.1f s%n", count, db, (System.nanoTime() - t0) / 1e9);
            // As autovacuum leaves a live server: planner statistics, GIN pending lists merged, dead row versions of
            // the fill (each search row is inserted, then updated by the privacy and description triggers) gone.
            if (db.equals("postgres")) database.jdbi().useHandle(h -> h.execute("VACUUM ANALYZE"));
            String exact = database.jdbi().withHandle(h -> h.createQuery(
                    "SELECT r.name FROM repositories r JOIN repository_settings s ON s.repository = r.name"
                            + " WHERE s.is_private = false ORDER BY r.id LIMIT 1 OFFSET 500").mapTo(String.class).one());
            if (requests > 0) measure("http://127.0.0.1:" + server.port(), requests, exact);
        } finally {
            server.stop();
            if (db.equals("postgres")) database.jdbi().useHandle(h -> h.execute("DROP SCHEMA " + schema + " CASCADE"));
            database.close();
            if (System.getenv("KEEP") != null) {
                System.err.println("kept " + dir);
            } else {
                try (var files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    static void fill(Database database, int count) {
        Random random = new Random(42);
        AccountService accounts = new AccountService(database, PasswordHasher.defaults(), Clock.systemUTC());
        long member = accounts.createUser("member", "member@example.test", PASSWORD, false).id();
        long owner = accounts.createUser("owner", "owner@example.test", PASSWORD, false).id();
        accounts.createUser("outsider", "outsider@example.test", PASSWORD, false); // signed in, in no organization
        for (int o = 0; o < 20; o++) {
            accounts.createOrganization("org" + o, owner);
            accounts.setMember("org" + o, "member", o < 10 ? OrgRole.EDITOR : OrgRole.MEMBER);
            accounts.createTeam("org" + o, "readers", "");
            accounts.addTeamMember("org" + o, "readers", "member");
        }
        long now = System.currentTimeMillis();
        boolean sqlite = database.dialect() == Database.Dialect.SQLITE;
        // V15's per-row triggers bump one counter row per insert: 200,000 updates of one row in one transaction
        // take PostgreSQL half an hour. Off for the fill, one bump after it (caches then re-read, as after any change).
        String[] counted = {"repositories:auth_access_repositories", "repository_settings:auth_access_repository_settings"};
        if (!sqlite) {
            for (String t : counted) database.jdbi().useHandle(h -> h.execute("ALTER TABLE " + t.split(":")[0]
                    + " DISABLE TRIGGER " + t.split(":")[1]));
        }
        database.jdbi().useTransaction(h -> {
            var repos = h.prepareBatch("INSERT INTO repositories (name, created_at) VALUES (?, ?)");
            var settings = h.prepareBatch("INSERT INTO repository_settings (repository, is_private, created_by,"
                    + " created_at, updated_at) VALUES (?, ?, NULL, ?, ?)");
            var details = h.prepareBatch("INSERT INTO repository_details (repository, description, full_description,"
                    + " updated_at) VALUES (?, ?, '', ?)");
            for (int i = 0; i < count; i++) {
                int ns = i % 2000;
                String namespace = ns < 20 ? "org" + ns : "user" + ns;
                String name = namespace + "/" + WORDS[random.nextInt(WORDS.length)]
                        + (random.nextBoolean() ? "-" + WORDS[random.nextInt(WORDS.length)] : "") + "-" + i;
                repos.add(name, now);
                settings.add(name, random.nextInt(10) < 7, now, now);
                StringBuilder d = new StringBuilder();
                for (int w = 0; w < 6; w++) d.append(w == 0 ? "" : " ").append(PROSE[random.nextInt(PROSE.length)]);
                if (i % 1000 == 0) d.append(" kubernetes");
                details.add(name, d.toString(), now);
                if (i % 5000 == 4999) {
                    repos.execute();
                    settings.execute();
                    details.execute();
                }
            }
            repos.execute();
            settings.execute();
            details.execute();
        });
        if (!sqlite) {
            for (String t : counted) database.jdbi().useHandle(h -> h.execute("ALTER TABLE " + t.split(":")[0]
                    + " ENABLE TRIGGER " + t.split(":")[1]));
            database.jdbi().useHandle(h -> h.execute("UPDATE repository_settings SET is_private = is_private"
                    + " WHERE repository = (SELECT MIN(repository) FROM repository_settings)"));
        }
        for (int i = 0; i < 50; i++) {
            accounts.setTeamPermission("org" + (10 + i % 10), "readers", "org" + (10 + i % 10) + "/granted-" + i,
                    TeamPermission.READ);
        }
    }

    /** Each signed-in caller kind: the user it signs in as, and the password. */
    static final Map<String, String[]> USERS = Map.of("member", new String[] {"member", PASSWORD},
            "outsider", new String[] {"outsider", PASSWORD}, "admin", new String[] {"admin", "Bench-admin-pass-1"});

    static String bearer(String base, String caller) throws Exception {
        String[] user = USERS.get(caller);
        HttpResponse<String> token = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base
                + "/token?service=wharf&scope=registry:catalog:search")).header("Authorization", "Basic "
                + Base64.getEncoder().encodeToString((user[0] + ":" + user[1]).getBytes(StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        String body = token.body();
        int at = body.indexOf("\"token\":\"") + 9;
        return "Bearer " + body.substring(at, body.indexOf('"', at));
    }

    static void measure(String base, int requests, String exact) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String[][] queries = {
                {"exact full name", exact},
                {"exact short (common word)", "api"},
                {"prefix (2 letters)", "po"},
                {"prefix (full name)", "user77/"},
                {"name word", "exporter"},
                {"description word (rare)", "kubernetes"},
                {"description word (common)", "monitoring"},
                {"prefix of most names", "user"},
                {"no match", "zzzqqq"},
        };
        System.out.printf("%-28s %-10s %8s %8s %8s %8s %8s %10s%n", "query", "caller", "min ms", "p50 ms", "p99 ms",
                "max ms", "mean ms", "results");
        for (String api : List.of("/v1/search?n=25&q=", "/v2/search/repositories/?page_size=25&query=")) {
            System.out.println(api.startsWith("/v1") ? "GET /v1/search" : "GET /v2/search/repositories/");
            for (String[] q : queries) {
                for (String caller : List.of("anonymous", "member", "outsider", "admin")) {
                    URI uri = URI.create(base + api + URLEncoder.encode(q[1], StandardCharsets.UTF_8));
                    HttpRequest.Builder b = HttpRequest.newBuilder(uri);
                    // A fresh registry token per row: they live auth.token_ttl (5 min), rows may take longer.
                    if (!caller.equals("anonymous")) b.header("Authorization", bearer(base, caller));
                    HttpRequest request = b.build();
                    String body = "";
                    for (int i = 0; i < 30; i++) body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
                    long[] nanos = new long[requests];
                    for (int i = 0; i < requests; i++) {
                        long t = System.nanoTime();
                        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                        nanos[i] = System.nanoTime() - t;
                        if (r.statusCode() != 200) throw new IllegalStateException(uri + ": " + r.statusCode() + r.body());
                    }
                    Arrays.sort(nanos);
                    double mean = Arrays.stream(nanos).average().orElse(0) / 1e6;
                    String total = body.replaceAll(".*\"(num_results|count)\":(\\d+).*", "$2");
                    System.out.printf("%-28s %-10s %8.2f %8.2f %8.2f %8.2f %8.2f %10s%n", q[0], caller,
                            nanos[0] / 1e6, nanos[requests / 2] / 1e6, nanos[(int) Math.ceil(requests * 0.99) - 1] / 1e6,
                            nanos[requests - 1] / 1e6, mean, total);
                }
            }
        }
    }
}
