package dev.wharf.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import dev.wharf.auth.token.JwtCodec;
import dev.wharf.auth.token.SigningKeys;
import dev.wharf.auth.SecretBox;
import dev.wharf.storage.meta.Database;
import dev.wharf.testing.TestServer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cached authorization of /v2/ keeps every guarantee of the uncached one. Each test first makes the caches
 * hold a good answer (the same token or credentials used successfully), then shows that what must be refused
 * still is: forged, expired and wrong-scope tokens; a repository made private, a member removed, an access token
 * deactivated or deleted, a password changed — all on this node, so at once (other nodes: AuthCacheMultiNodeIT).
 * Also HTTP Basic on /v2/ with a password, a personal and an organization access token.
 */
class RegistryAuthCacheTest {
    private static final String ADMIN_PASSWORD = "cache-admin-secret";
    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @TempDir static Path dir;
    static TestRegistry reg;
    static String adminSession;

    @BeforeAll
    static void start() {
        // Each request below comes "from" an address of its own (X-Forwarded-For), so that the wrong secrets some
        // tests try on purpose never add up to the login throttle's lock of 127.0.0.1.
        reg = new TestRegistry(TestServer.builder(dir).adminPassword(ADMIN_PASSWORD)
                .flags("--http-trust-forwarded-for", "true").build());
        adminSession = login("admin", ADMIN_PASSWORD);
        for (String repo : java.util.List.of("admin/one", "admin/two", "admin/pub")) {
            pushAsAdmin(repo);
        }
        assertThat(hub("PATCH", "/v2/repositories/admin/pub/", "{\"is_private\":false}", adminSession)
                .statusCode()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        if (reg != null) reg.close();
    }

    @Test
    void forgedExpiredAndWrongScopeTokensAreRefusedWhileAGoodOneIsCached() throws Exception {
        String good = token(basic("admin", ADMIN_PASSWORD), "repository:admin/one:pull");
        for (int i = 0; i < 3; i++) assertThat(pull("admin/one", bearer(good)).statusCode()).isEqualTo(200);

        // Same claims, signature of another key.
        SignedJWT parsed = SignedJWT.parse(good);
        String foreign = new JwtCodec(SigningKeys.generate(), Clock.systemUTC())
                .sign("wharf", "admin", Duration.ofMinutes(5), parsed.getJWTClaimsSet());
        assertThat(pull("admin/one", bearer(foreign)).statusCode()).isEqualTo(401);
        // The good token's header and signature around other claims (pull on admin/two).
        String[] parts = good.split("\\.");
        String claimsTwo = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("admin/one", "admin/two");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(claimsTwo.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertThat(pull("admin/two", bearer(tampered)).statusCode()).isEqualTo(401);
        // Signed with the server's own key but long expired.
        try (Database db = Database.open(reg.config.db().url(), null, null, 1, null)) {
            SigningKeys key = SigningKeys.loadOrCreate(db, SecretBox.load(null, dir));
            String expired = new JwtCodec(key, Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)))
                    .sign("wharf", "admin", Duration.ofMinutes(5), parsed.getJWTClaimsSet());
            assertThat(pull("admin/one", bearer(expired)).statusCode()).isEqualTo(401);
        }
        // The good token itself, on a repository it does not name.
        assertThat(pull("admin/two", bearer(good)).statusCode()).isEqualTo(401);
        assertThat(pull("admin/one", bearer(good)).statusCode()).isEqualTo(200);
    }

    @Test
    void makingARepositoryPrivateTakesEffectAtOnce() {
        pushAsAdmin("admin/flip");
        assertThat(hub("PATCH", "/v2/repositories/admin/flip/", "{\"is_private\":false}", adminSession)
                .statusCode()).isEqualTo(200);
        String anonymous = token(null, "repository:admin/flip:pull");
        for (int i = 0; i < 3; i++) assertThat(pull("admin/flip", bearer(anonymous)).statusCode()).isEqualTo(200);
        assertThat(hub("PATCH", "/v2/repositories/admin/flip/", "{\"is_private\":true}", adminSession)
                .statusCode()).isEqualTo(200);
        assertThat(pull("admin/flip", bearer(anonymous)).statusCode()).isEqualTo(401);
    }

    @Test
    void removingAMemberTakesEffectAtOnce() {
        createUser("member1", "member1-secret");
        withAccounts(a -> {
            a.organizations().createOrganization("cacheorg", a.findUser("admin").orElseThrow().id());
            a.organizations().setMember("cacheorg", "member1", dev.wharf.auth.OrgRole.EDITOR);
        });
        pushAsAdmin("cacheorg/app");
        String token = token(basic("member1", "member1-secret"), "repository:cacheorg/app:pull");
        for (int i = 0; i < 3; i++) assertThat(pull("cacheorg/app", bearer(token)).statusCode()).isEqualTo(200);
        assertThat(pull("cacheorg/app", basic("member1", "member1-secret")).statusCode()).isEqualTo(200);
        assertThat(hub("DELETE", "/v2/orgs/cacheorg/members/member1", null, adminSession).statusCode())
                .isEqualTo(204);
        assertThat(pull("cacheorg/app", bearer(token)).statusCode()).isEqualTo(401);
        assertThat(pull("cacheorg/app", basic("member1", "member1-secret")).statusCode()).isEqualTo(401);
    }

    @Test
    void basicWorksWithPasswordAndAccessTokensAndStopsWithTheSecret() {
        createUser("basic1", "basic1-secret");
        String session = login("basic1", "basic1-secret");
        pushAsAdmin("basic1/app"); // the administrator may push anywhere; basic1 owns the namespace
        assertThat(pull("basic1/app", basic("basic1", "basic1-secret")).statusCode()).isEqualTo(200);
        assertThat(pull("basic1/app", basic("basic1", "wrong-secret")).statusCode()).isEqualTo(401);
        assertThat(pull("basic1/app", basic("basic1", "basic1-secret")).statusCode()).isEqualTo(200);

        HttpResponse<byte[]> created = hub("POST", "/v2/access-tokens",
                "{\"token_label\":\"ci\",\"scopes\":[\"repo:read\"]}", session);
        assertThat(created.statusCode()).isEqualTo(201);
        String pat = TestRegistry.json(created).path("token").asText();
        String uuid = TestRegistry.json(created).path("uuid").asText();
        String viaPat = token(basic("basic1", pat), "repository:basic1/app:pull");
        for (int i = 0; i < 3; i++) {
            assertThat(pull("basic1/app", basic("basic1", pat)).statusCode()).isEqualTo(200);
            assertThat(pull("basic1/app", bearer(viaPat)).statusCode()).isEqualTo(200);
        }
        // A repo:read token may not push, Basic or not.
        assertThat(reg.send("POST", "/v2/basic1/app/blobs/uploads/", null, "Authorization", basic("basic1", pat),
                "X-Forwarded-For", address())
                .statusCode()).isEqualTo(403);
        // Deactivated: Basic with it and registry tokens made from it stop at once.
        assertThat(hub("PATCH", "/v2/access-tokens/" + uuid, "{\"is_active\":false}", session).statusCode())
                .isEqualTo(200);
        assertThat(pull("basic1/app", basic("basic1", pat)).statusCode()).isEqualTo(401);
        assertThat(pull("basic1/app", bearer(viaPat)).statusCode()).isEqualTo(401);
        assertThat(hub("PATCH", "/v2/access-tokens/" + uuid, "{\"is_active\":true}", session).statusCode())
                .isEqualTo(200);
        assertThat(pull("basic1/app", basic("basic1", pat)).statusCode()).isEqualTo(200);
        // Deleted: the same.
        assertThat(hub("DELETE", "/v2/access-tokens/" + uuid, null, session).statusCode()).isEqualTo(204);
        assertThat(pull("basic1/app", basic("basic1", pat)).statusCode()).isEqualTo(401);
        assertThat(pull("basic1/app", bearer(viaPat)).statusCode()).isEqualTo(401);
    }

    @Test
    void basicWithAnOrganizationAccessToken() {
        withAccounts(a -> a.organizations().createOrganization("oatorg", a.findUser("admin").orElseThrow().id()));
        pushAsAdmin("oatorg/app");
        HttpResponse<byte[]> created = hub("POST", "/v2/orgs/oatorg/access-tokens",
                "{\"label\":\"ci\",\"resources\":[{\"type\":\"TYPE_REPO\",\"path\":\"oatorg/app\","
                        + "\"scopes\":[\"scope-image-pull\"]}]}", adminSession);
        assertThat(created.statusCode()).as(TestRegistry.text(created)).isEqualTo(201);
        String oat = TestRegistry.json(created).path("token").asText();
        assertThat(pull("oatorg/app", basic("oatorg", oat)).statusCode()).isEqualTo(200);
        assertThat(pull("oatorg/app", basic("oatorg", oat + "x")).statusCode()).isEqualTo(401);
    }

    @Test
    void basicOnTheBaseEndpointAndCatalog() {
        assertThat(reg.get("/v2/", "Authorization", basic("admin", ADMIN_PASSWORD)).statusCode()).isEqualTo(200);
        assertThat(reg.get("/v2/", "Authorization", basic("admin", "nope"), "X-Forwarded-For", address()).statusCode()).isEqualTo(401);
        HttpResponse<byte[]> catalog = reg.get("/v2/_catalog", "Authorization", basic("admin", ADMIN_PASSWORD));
        assertThat(catalog.statusCode()).isEqualTo(200);
        assertThat(TestRegistry.text(catalog)).contains("admin/one");
    }

    @Test
    void aChangedPasswordStopsTheOldOneAtOnce() {
        createUser("changer", "changer-secret-1");
        pushAsAdmin("changer/app");
        assertThat(pull("changer/app", basic("changer", "changer-secret-1")).statusCode()).isEqualTo(200);
        // What `wharf user passwd` does, in another process: the server learns of it only through the version
        // counters, which its poller reads within a second and any write of its own re-reads at once.
        withAccounts(a -> a.resetPassword(a.findUser("changer").orElseThrow().id(), "changer-secret-2"));
        pushAsAdmin("admin/nudge");
        assertThat(pull("changer/app", basic("changer", "changer-secret-1")).statusCode()).isEqualTo(401);
        assertThat(pull("changer/app", basic("changer", "changer-secret-2")).statusCode()).isEqualTo(200);
    }

    // --- helpers -------------------------------------------------------------------------------------

    private static HttpResponse<byte[]> pull(String repo, String authorization) {
        return reg.get("/v2/" + repo + "/manifests/1", "Accept", MANIFEST, "Authorization", authorization,
                "X-Forwarded-For", address());
    }

    private static final java.util.concurrent.atomic.AtomicInteger ADDRESSES = new java.util.concurrent.atomic.AtomicInteger();

    private static String address() {
        int n = ADDRESSES.incrementAndGet();
        return "10.77." + (n / 250) + "." + (n % 250 + 1);
    }

    private static void pushAsAdmin(String repo) {
        String token = token(basic("admin", ADMIN_PASSWORD), "repository:" + repo + ":pull,push");
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = ("layer of " + repo).getBytes(StandardCharsets.UTF_8);
        for (byte[] blob : java.util.List.of(config, layer)) {
            HttpResponse<byte[]> r = reg.send("POST", "/v2/" + repo + "/blobs/uploads/?digest="
                    + dev.wharf.model.Digest.sha256(blob), blob, "Authorization", bearer(token));
            assertThat(r.statusCode()).as(TestRegistry.text(r)).isEqualTo(201);
        }
        byte[] manifest = TestRegistry.imageManifest(dev.wharf.model.Digest.sha256(config), config.length,
                dev.wharf.model.Digest.sha256(layer), layer.length, null).getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> r = reg.send("PUT", "/v2/" + repo + "/manifests/1", manifest, "Content-Type", MANIFEST,
                "Authorization", bearer(token));
        assertThat(r.statusCode()).as(TestRegistry.text(r)).isEqualTo(201);
    }

    private static void createUser(String name, String password) {
        withAccounts(a -> a.createUser(name, name + "@example.test", password, false));
    }

    /** Account changes as the admin CLI makes them: through a second connection pool on the same file. */
    private static void withAccounts(java.util.function.Consumer<dev.wharf.auth.AccountService> change) {
        try (Database db = Database.open(reg.config.db().url(), null, null, 1, null)) {
            change.accept(new dev.wharf.auth.AccountService(db, dev.wharf.auth.PasswordHasher.defaults(),
                    Clock.systemUTC()));
        }
    }

    private static String token(String authorization, String scope) {
        String path = "/token?service=wharf&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
        HttpResponse<byte[]> r = authorization == null ? reg.get(path) : reg.get(path, "Authorization", authorization);
        assertThat(r.statusCode()).as(TestRegistry.text(r)).isEqualTo(200);
        return TestRegistry.json(r).path("token").asText();
    }

    private static String login(String user, String password) {
        HttpResponse<byte[]> r = reg.send("POST", "/v2/users/login", ("{\"username\":\"" + user
                + "\",\"password\":\"" + password + "\"}").getBytes(StandardCharsets.UTF_8), "Content-Type",
                "application/json");
        assertThat(r.statusCode()).as(TestRegistry.text(r)).isEqualTo(200);
        return TestRegistry.json(r).path("token").asText();
    }

    private static HttpResponse<byte[]> hub(String method, String path, String body, String session) {
        return reg.send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), "Content-Type",
                "application/json", "Authorization", "Bearer " + session);
    }

    private static String bearer(String token) {
        return "Bearer " + token;
    }

    private static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }
}
