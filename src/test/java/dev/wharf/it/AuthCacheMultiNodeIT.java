package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.it.support.WharfProcess;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.Database;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The registry's cached authorization on two nodes (A, B) of one cluster on PostgreSQL, as `./wharf serve` runs
 * them (default limits). Node B's caches are warmed with a caller's successful pulls; then a change is made on
 * node A through the Hub API, and the test measures how long B keeps answering from what it cached: a privacy
 * change, a member removed from an organization, a personal access token deactivated (Basic with it, and registry
 * tokens made from it). Node A, which made the change, must refuse at once; B within the documented bound of
 * {@code AuthorizationEpoch.MAX_STALENESS} (2 s). Last, 20,000 anonymous pulls with the default limits: no 429.
 */
// Alone: it measures how long node B keeps serving after a change against a 2 s wall-clock bound, and a test
// running beside it on this 2-core machine would measure that machine instead.
@Isolated
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthCacheMultiNodeIT {
    private static final String DB_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String DB_USER = "postgres";
    private static final long BOUND_MILLIS = 2_000;
    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;

    private final String schema = "authcache_it_" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final AtomicInteger addresses = new AtomicInteger();
    private WharfProcess a;
    private WharfProcess b;
    private Database db;
    private AccountService accounts;
    private String adminSessionOnA;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(postgresAnswers(), "PostgreSQL does not answer on " + DB_URL);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path blobs = Files.createDirectory(work.resolve("blobs")); // one blob store for both, as S3 would be
        Map<String, String> env = Map.of(
                "WHARF_DB_URL", DB_URL,
                "WHARF_DB_USER", DB_USER,
                "WHARF_DB_SCHEMA", schema,
                "WHARF_STORAGE_FILESYSTEM_ROOT", blobs.toString(),
                "WHARF_SECRET_KEY", Base64.getEncoder().encodeToString(key),
                "WHARF_HTTP_TRUST_FORWARDED_FOR", "true"); // wrong secrets below must not lock 127.0.0.1 out
        a = WharfProcess.start(Files.createDirectory(work.resolve("a")), env);
        b = WharfProcess.start(Files.createDirectory(work.resolve("b")), env);
        db = Database.open(DB_URL, DB_USER, null, 2, schema);
        accounts = new AccountService(db, PasswordHasher.defaults(), Clock.systemUTC());
        adminSessionOnA = login(a, WharfProcess.ADMIN.username(), WharfProcess.ADMIN.password());
    }

    @AfterAll
    void stop() throws Exception {
        if (db != null) db.close();
        if (a != null) a.stop();
        if (b != null) b.stop();
        try (Connection c = DriverManager.getConnection(DB_URL, DB_USER, null); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        } catch (Exception e) {
            // PostgreSQL was not there: nothing was created.
        }
    }

    @Test
    void privacyChangeOnASeenOnBWithinTheBound() throws Exception {
        push(a, "admin/flip");
        assertThat(hub(a, "PATCH", "/v2/repositories/admin/flip/", "{\"is_private\":false}", adminSessionOnA))
                .isEqualTo(200);
        String anonymousOnB = token(b, null, "repository:admin/flip:pull");
        String anonymousOnA = token(a, null, "repository:admin/flip:pull");
        for (int i = 0; i < 5; i++) {
            assertThat(pull(b, "admin/flip", bearer(anonymousOnB))).isEqualTo(200);
            assertThat(pull(a, "admin/flip", bearer(anonymousOnA))).isEqualTo(200);
        }
        assertThat(hub(a, "PATCH", "/v2/repositories/admin/flip/", "{\"is_private\":true}", adminSessionOnA))
                .isEqualTo(200);
        long changed = System.nanoTime();
        assertThat(pull(a, "admin/flip", bearer(anonymousOnA))).as("on the node that made the change").isEqualTo(401);
        assertRefusedWithinBound("private repository via B", changed, () -> pull(b, "admin/flip", bearer(anonymousOnB)));
    }

    @Test
    void memberRemovedOnASeenOnBWithinTheBound() throws Exception {
        accounts.createUser("dev1", "dev1@example.test", "dev1-secret-1", false);
        accounts.organizations().createOrganization("team1", accounts.findUser("admin").orElseThrow().id());
        accounts.organizations().setMember("team1", "dev1", OrgRole.EDITOR);
        push(a, "team1/app");
        String tokenOnB = token(b, basic("dev1", "dev1-secret-1"), "repository:team1/app:pull");
        for (int i = 0; i < 5; i++) {
            assertThat(pull(b, "team1/app", bearer(tokenOnB))).isEqualTo(200);
            assertThat(pull(b, "team1/app", basic("dev1", "dev1-secret-1"))).isEqualTo(200);
        }
        assertThat(hub(a, "DELETE", "/v2/orgs/team1/members/dev1", null, adminSessionOnA)).isEqualTo(204);
        long changed = System.nanoTime();
        assertThat(pull(a, "team1/app", basic("dev1", "dev1-secret-1"))).as("on A").isEqualTo(401);
        assertRefusedWithinBound("token of a removed member via B", changed,
                () -> pull(b, "team1/app", bearer(tokenOnB)));
        assertThat(pull(b, "team1/app", basic("dev1", "dev1-secret-1"))).isEqualTo(401);
    }

    @Test
    void deactivatedAccessTokenOnASeenOnBWithinTheBound() throws Exception {
        accounts.createUser("ci1", "ci1@example.test", "ci1-secret-1", false);
        push(a, "ci1/app");
        String session = login(a, "ci1", "ci1-secret-1");
        JsonNode created = JSON.readTree(hubBody(a, "POST", "/v2/access-tokens",
                "{\"token_label\":\"ci\",\"scopes\":[\"repo:read\"]}", session));
        String pat = created.path("token").asText();
        String uuid = created.path("uuid").asText();
        String fromPatOnB = token(b, basic("ci1", pat), "repository:ci1/app:pull");
        for (int i = 0; i < 5; i++) {
            assertThat(pull(b, "ci1/app", basic("ci1", pat))).isEqualTo(200);
            assertThat(pull(b, "ci1/app", bearer(fromPatOnB))).isEqualTo(200);
        }
        assertThat(hub(a, "PATCH", "/v2/access-tokens/" + uuid, "{\"is_active\":false}", session)).isEqualTo(200);
        long changed = System.nanoTime();
        assertThat(pull(a, "ci1/app", basic("ci1", pat))).as("Basic with the revoked PAT on A").isEqualTo(401);
        assertRefusedWithinBound("Basic with the revoked PAT via B", changed, () -> pull(b, "ci1/app", basic("ci1", pat)));
        assertRefusedWithinBound("registry token of the revoked PAT via B", changed,
                () -> pull(b, "ci1/app", bearer(fromPatOnB)));
    }

    @Test
    void twentyThousandPullsWithDefaultLimitsAreNeverRefused() throws Exception {
        push(a, "admin/popular");
        assertThat(hub(a, "PATCH", "/v2/repositories/admin/popular/", "{\"is_private\":false}", adminSessionOnA))
                .isEqualTo(200);
        String anonymous = token(a, null, "repository:admin/popular:pull");
        AtomicInteger ok = new AtomicInteger();
        List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(threads.submit(() -> {
                    for (int i = 0; i < 5_000; i++) {
                        HttpResponse<Void> r = send(a, i % 2 == 0 ? "GET" : "HEAD", "/v2/admin/popular/manifests/1",
                                null, "Accept", MANIFEST, "Authorization", bearer(anonymous));
                        if (r.statusCode() == 200 && r.headers().firstValue("ratelimit-limit").isEmpty()) {
                            ok.incrementAndGet();
                        } else if (problems.size() < 5) {
                            problems.add(r.statusCode() + " " + r.headers().map());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            threads.shutdownNow();
        }
        assertThat(problems).isEmpty();
        assertThat(ok.get()).isEqualTo(20_000);
    }

    // --- helpers -------------------------------------------------------------------------------------

    /** Polls until the request is refused; the first refused request must have started within the bound. */
    private void assertRefusedWithinBound(String what, long changedNanos, Supplier<Integer> request) {
        long deadline = changedNanos + 10 * BOUND_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            long sent = System.nanoTime();
            int status = request.get();
            if (status == 401 || status == 403) {
                long millis = (sent - changedNanos) / 1_000_000;
                System.out.printf("[AuthCacheMultiNodeIT] %s: refused from %d ms after the change%n", what, millis);
                assertThat(millis).as(what + ": ms until refused").isLessThanOrEqualTo(BOUND_MILLIS);
                return;
            }
            assertThat(status).as(what).isEqualTo(200);
        }
        throw new AssertionError(what + ": still served " + 10 * BOUND_MILLIS + " ms after the change");
    }

    private int pull(WharfProcess node, String repo, String authorization) {
        return send(node, "GET", "/v2/" + repo + "/manifests/1", null, "Accept", MANIFEST, "Authorization",
                authorization).statusCode();
    }

    private void push(WharfProcess node, String repo) {
        String token = token(node, basic(WharfProcess.ADMIN.username(), WharfProcess.ADMIN.password()),
                "repository:" + repo + ":pull,push");
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = ("layer of " + repo).getBytes(StandardCharsets.UTF_8);
        for (byte[] blob : List.of(config, layer)) {
            assertThat(send(node, "POST", "/v2/" + repo + "/blobs/uploads/?digest=" + Digest.sha256(blob), blob,
                    "Authorization", bearer(token)).statusCode()).isEqualTo(201);
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.sha256(config) + "\",\"size\":"
                + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\""
                + Digest.sha256(layer) + "\",\"size\":" + layer.length + "}]}";
        assertThat(send(node, "PUT", "/v2/" + repo + "/manifests/1", manifest.getBytes(StandardCharsets.UTF_8),
                "Content-Type", MANIFEST, "Authorization", bearer(token)).statusCode()).isEqualTo(201);
    }

    private String token(WharfProcess node, String authorization, String scope) {
        String path = "/token?service=wharf&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
        HttpResponse<byte[]> r = sendForBody(node, "GET", path, null,
                authorization == null ? new String[0] : new String[] {"Authorization", authorization});
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        try {
            return JSON.readTree(r.body()).path("token").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String login(WharfProcess node, String user, String password) throws Exception {
        String body = "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}";
        HttpResponse<byte[]> r = sendForBody(node, "POST", "/v2/users/login", body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body()).path("token").asText();
    }

    private int hub(WharfProcess node, String method, String path, String body, String session) {
        return sendForBody(node, method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "Authorization", bearer(session)).statusCode();
    }

    private byte[] hubBody(WharfProcess node, String method, String path, String body, String session) {
        HttpResponse<byte[]> r = sendForBody(node, method, path, body.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "Authorization", bearer(session));
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return r.body();
    }

    private HttpResponse<Void> send(WharfProcess node, String method, String path, byte[] body, String... headers) {
        return exchange(node, method, path, body, HttpResponse.BodyHandlers.discarding(), headers);
    }

    private HttpResponse<byte[]> sendForBody(WharfProcess node, String method, String path, byte[] body,
            String... headers) {
        return exchange(node, method, path, body, HttpResponse.BodyHandlers.ofByteArray(), headers);
    }

    private <T> HttpResponse<T> exchange(WharfProcess node, String method, String path, byte[] body,
            HttpResponse.BodyHandler<T> handler, String... headers) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://" + node.host() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("X-Forwarded-For", "10.88." + (addresses.get() / 250 % 250) + "."
                        + (addresses.getAndIncrement() % 250 + 1));
        for (int i = 0; i < headers.length; i += 2) req.header(headers[i], headers[i + 1]);
        try {
            return http.send(req.build(), handler);
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + " on " + node.host(), e);
        }
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    private static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static boolean postgresAnswers() {
        try (Connection c = DriverManager.getConnection(DB_URL, DB_USER, null)) {
            return c.isValid(2);
        } catch (Exception e) {
            return false;
        }
    }
}
