package dev.wharf.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.OrgAccessTokenService;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.RepositorySettingsService;
import dev.wharf.auth.SecretBox;
import dev.wharf.auth.TeamPermission;
import dev.wharf.auth.User;
import dev.wharf.auth.token.JwtCodec;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.auth.token.SigningKeys;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.Database;
import dev.wharf.testing.ScopeMatrix;
import dev.wharf.testing.TestServer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Who may do what on /v2/, over real HTTP against an in-process node with token auth on. Every request starts
 * without a token, gets the 401 challenge, fetches a token from {@code GET /token} (Basic credentials, or none
 * for anonymous) for exactly the challenged scope, and retries; the cell is what that retry answers.
 *
 * <p>Cast: org {@code acme} is owned by olivia; mia is a plain member (no team); eddie an editor; tina and walt
 * members in teams with read respectively write on {@code acme/private}; sam belongs to nothing and owns his
 * namespace {@code sam}. The {@code pat:*} rows are olivia's personal access tokens (made through the Hub API)
 * used as her password, so only their scope limits them. The {@code oat:*} rows are organization access tokens of
 * acme (username {@code acme}): {@code oat:pull} has pull on {@code acme/private}, {@code oat:push} push on
 * {@code acme/*}. {@code admin} is the administrator bootstrapped from {@code --admin-password}.
 *
 * <p>Repositories: {@code acme/public} (made public), {@code acme/private} and {@code sam/own} (private, the
 * default). Push is a monolithic blob upload; delete removes a manifest by digest that the administrator pushed
 * just before; catalog lists the repositories the caller is shown. {@code closed/lib/app} is a pull-through
 * mirror's repository (cached before the rows), the mirror taking no anonymous pulls: every live credential pulls
 * it, as a public repository, within its token's scopes; nobody writes to it over {@code /v2/}.
 */
class RegistryAuthorizationMatrixTest {

    private static final ScopeMatrix MATRIX = new ScopeMatrix("""
            caller          | pull public | pull private     | push public | push private     | delete private   | tags private     | catalog                                         | pull mirror      | tags mirror      | push mirror | delete mirror
            anonymous       | 200         | 401 UNAUTHORIZED | 403 DENIED  | 401 UNAUTHORIZED | 401 UNAUTHORIZED | 401 UNAUTHORIZED | acme/public                                     | 401 UNAUTHORIZED | 401 UNAUTHORIZED | 403 DENIED  | 403 DENIED
            sam             | 200         | 401 UNAUTHORIZED | 403 DENIED  | 401 UNAUTHORIZED | 401 UNAUTHORIZED | 401 UNAUTHORIZED | acme/public closed/lib/app sam/own              | 200              | 200              | 403 DENIED  | 403 DENIED
            mia             | 200         | 401 UNAUTHORIZED | 403 DENIED  | 401 UNAUTHORIZED | 401 UNAUTHORIZED | 401 UNAUTHORIZED | acme/public closed/lib/app                      | 200              | 200              | 403 DENIED  | 403 DENIED
            tina            | 200         | 200              | 403 DENIED  | 403 DENIED       | 403 DENIED       | 200              | acme/private acme/public closed/lib/app         | 200              | 200              | 403 DENIED  | 403 DENIED
            walt            | 200         | 200              | 403 DENIED  | 201              | 403 DENIED       | 200              | acme/private acme/public closed/lib/app         | 200              | 200              | 403 DENIED  | 403 DENIED
            eddie           | 200         | 200              | 201         | 201              | 403 DENIED       | 200              | acme/private acme/public closed/lib/app         | 200              | 200              | 403 DENIED  | 403 DENIED
            olivia          | 200         | 200              | 201         | 201              | 202              | 200              | acme/private acme/public closed/lib/app         | 200              | 200              | 403 DENIED  | 403 DENIED
            pat:public_read | 200         | 401 UNAUTHORIZED | 403 DENIED  | 401 UNAUTHORIZED | 401 UNAUTHORIZED | 401 UNAUTHORIZED | acme/public closed/lib/app                      | 200              | 200              | 403 DENIED  | 403 DENIED
            pat:read        | 200         | 200              | 403 DENIED  | 403 DENIED       | 403 DENIED       | 200              | acme/private acme/public closed/lib/app         | 200              | 200              | 403 DENIED  | 403 DENIED
            pat:write       | 200         | 200              | 201         | 201              | 403 DENIED       | 200              | acme/private acme/public closed/lib/app         | 200              | 200              | 403 DENIED  | 403 DENIED
            pat:admin       | 200         | 200              | 201         | 201              | 202              | 200              | acme/private acme/public closed/lib/app         | 200              | 200              | 403 DENIED  | 403 DENIED
            oat:pull        | 200         | 200              | 403 DENIED  | 403 DENIED       | 403 DENIED       | 200              | acme/private acme/public closed/lib/app         | 200              | 200              | 403 DENIED  | 403 DENIED
            oat:push        | 200         | 200              | 201         | 201              | 403 DENIED       | 200              | acme/private acme/public closed/lib/app         | 200              | 200              | 403 DENIED  | 403 DENIED
            admin           | 200         | 200              | 201         | 201              | 202              | 200              | acme/private acme/public closed/lib/app sam/own | 200              | 200              | 403 DENIED  | 403 DENIED
            """);

    private static final String ADMIN_PASSWORD = "matrix-admin-secret";
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @TempDir static Path dir;
    @TempDir static Path upstreamDir;
    /** The mirror {@code closed}'s upstream: another node, without auth, holding {@code lib/app:1}. */
    static TestServer upstream;
    static String mirroredDigest;
    static TestRegistry reg;
    static Database db;
    static AccountService accounts;
    static AccessTokenService personalTokens;
    static SigningKeys serverKey;
    /** caller name from the table to "username:secret", or null for anonymous. */
    static final Map<String, String> CALLERS = new HashMap<>();
    static int pushes;

    @BeforeAll
    static void start() {
        upstream = TestServer.builder(upstreamDir).auth(false).build();
        mirroredDigest = upstream.pushImage("lib/app", "1", "{\"mirrored\":true}".getBytes(StandardCharsets.UTF_8),
                "mirrored layer".getBytes(StandardCharsets.UTF_8)).created().digest().toString();
        // A mirror without anonymous pulls: which callers it serves is the access rule's, not the repository's.
        reg = new TestRegistry(TestServer.builder(dir).adminPassword(ADMIN_PASSWORD).flags("--mirrors-upstreams",
                "closed=" + upstream.base, "--mirrors-anonymous-pulls", "false", "--outbound-allow", "127.0.0.1/32")
                .build());
        db = Database.open(reg.config.db().url(), null, null, 2, null);
        Clock clock = Clock.systemUTC();
        accounts = new AccountService(db, PasswordHasher.defaults(), clock);
        personalTokens = new AccessTokenService(db, clock);
        User olivia = accounts.createUser("olivia", "olivia@example.test", "olivia-secret-1", false);
        for (String name : List.of("sam", "mia", "eddie", "tina", "walt")) {
            accounts.createUser(name, name + "@example.test", name + "-secret-1", false);
        }
        accounts.organizations().createOrganization("acme", olivia.id());
        accounts.organizations().setMember("acme", "mia", OrgRole.MEMBER);
        accounts.organizations().setMember("acme", "eddie", OrgRole.EDITOR);
        accounts.organizations().setMember("acme", "tina", OrgRole.MEMBER);
        accounts.organizations().setMember("acme", "walt", OrgRole.MEMBER);
        accounts.teams().createTeam("acme", "readers", "pull acme/private");
        accounts.teams().addTeamMember("acme", "readers", "tina");
        accounts.teams().setTeamPermission("acme", "readers", "acme/private", TeamPermission.READ);
        accounts.teams().createTeam("acme", "writers", "push acme/private");
        accounts.teams().addTeamMember("acme", "writers", "walt");
        accounts.teams().setTeamPermission("acme", "writers", "acme/private", TeamPermission.WRITE);
        new RepositorySettingsService(db, clock, true).setPrivate("acme/public", false, null);

        CALLERS.put("anonymous", null);
        CALLERS.put("admin", "admin:" + ADMIN_PASSWORD);
        CALLERS.put("olivia", "olivia:olivia-secret-1");
        for (String name : List.of("sam", "mia", "eddie", "tina", "walt")) {
            CALLERS.put(name, name + ":" + name + "-secret-1");
        }
        // olivia's tokens, made as a user would: Hub login, then one POST /v2/access-tokens per scope.
        HttpResponse<byte[]> login = reg.send("POST", "/v2/users/login",
                "{\"username\":\"olivia\",\"password\":\"olivia-secret-1\"}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(login.statusCode()).as(TestRegistry.text(login)).isEqualTo(200);
        String session = TestRegistry.json(login).path("token").asText();
        for (String scope : List.of("public_read", "read", "write", "admin")) {
            String body = "{\"token_label\":\"matrix-" + scope.replace('_', '-') + "\",\"scopes\":[\"repo:" + scope
                    + "\"]}";
            HttpResponse<byte[]> created = reg.send("POST", "/v2/access-tokens", body.getBytes(StandardCharsets.UTF_8),
                    "Content-Type", "application/json", "Authorization", "Bearer " + session);
            assertThat(created.statusCode()).as(TestRegistry.text(created)).isEqualTo(201);
            CALLERS.put("pat:" + scope, "olivia:" + TestRegistry.json(created).path("token").asText());
        }
        // acme's organization tokens, made by its owner: pull on acme/private only; push on every acme repository.
        for (String[] oat : List.of(new String[] {"pull", "acme/private", "scope-image-pull"},
                new String[] {"push", "acme/*", "scope-image-push"})) {
            String body = "{\"label\":\"matrix-" + oat[0] + "\",\"resources\":[{\"type\":\"TYPE_REPO\",\"path\":\""
                    + oat[1] + "\",\"scopes\":[\"" + oat[2] + "\"]}]}";
            HttpResponse<byte[]> created = reg.send("POST", "/v2/orgs/acme/access-tokens",
                    body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json",
                    "Authorization", "Bearer " + session);
            assertThat(created.statusCode()).as(TestRegistry.text(created)).isEqualTo(201);
            CALLERS.put("oat:" + oat[0], "acme:" + TestRegistry.json(created).path("token").asText());
        }
        serverKey = SigningKeys.loadOrCreate(db, SecretBox.load(null, dir));

        // Cached before any row, so that every row's catalog is shown the same repositories.
        assertThat(outcome(call("admin", "GET", "/v2/closed/lib/app/manifests/1", null, "Accept", OCI_MANIFEST)))
                .isEqualTo("200");
        pushImage("admin", "acme/public", "1");
        pushImage("admin", "acme/private", "1");
        pushImage("admin", "sam/own", "1");
    }

    @AfterAll
    static void stop() {
        if (db != null) db.close();
        if (reg != null) reg.close();
        if (upstream != null) upstream.close();
    }

    static Stream<Arguments> rows() {
        return MATRIX.rows();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matrix(String caller, List<String> expected) {
        assertThat(CALLERS).containsKey(caller);
        String digest = pushImage("admin", "acme/private", "doomed-" + caller.replace(':', '-').replace('_', '-'));
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(outcome(call(caller, "GET", "/v2/acme/public/manifests/1", null, "Accept", OCI_MANIFEST)))
                .as("pull public").isEqualTo(expected.get(0));
        soft.assertThat(outcome(call(caller, "GET", "/v2/acme/private/manifests/1", null, "Accept", OCI_MANIFEST)))
                .as("pull private").isEqualTo(expected.get(1));
        soft.assertThat(outcome(pushBlob(caller, "acme/public"))).as("push public").isEqualTo(expected.get(2));
        soft.assertThat(outcome(pushBlob(caller, "acme/private"))).as("push private").isEqualTo(expected.get(3));
        soft.assertThat(outcome(call(caller, "DELETE", "/v2/acme/private/manifests/" + digest, null)))
                .as("delete private").isEqualTo(expected.get(4));
        soft.assertThat(outcome(call(caller, "GET", "/v2/acme/private/tags/list", null)))
                .as("tags private").isEqualTo(expected.get(5));
        HttpResponse<byte[]> catalog = call(caller, "GET", "/v2/_catalog", null);
        soft.assertThat(catalog.statusCode() == 200 ? String.join(" ", names(catalog)) : outcome(catalog))
                .as("catalog").isEqualTo(expected.get(6));
        soft.assertThat(outcome(call(caller, "GET", "/v2/closed/lib/app/manifests/1", null, "Accept", OCI_MANIFEST)))
                .as("pull mirror").isEqualTo(expected.get(7));
        soft.assertThat(outcome(call(caller, "GET", "/v2/closed/lib/app/tags/list", null)))
                .as("tags mirror").isEqualTo(expected.get(8));
        // A mirror is read-only for every caller, administrators included (they delete cached content through the
        // Hub API): a write is refused before authorization, even with the caller's own token for the repository.
        String[] writer = {"Authorization", "Bearer " + token(caller, "repository:closed/lib/app:pull,push,delete")};
        byte[] pushed = ("pushed by " + caller + " to a mirror").getBytes(StandardCharsets.UTF_8);
        soft.assertThat(outcome(reg.send("POST", "/v2/closed/lib/app/blobs/uploads/?digest=" + Digest.sha256(pushed),
                pushed, TestServer.header("Content-Type", "application/octet-stream", writer))))
                .as("push mirror").isEqualTo(expected.get(9));
        soft.assertThat(outcome(reg.send("DELETE", "/v2/closed/lib/app/manifests/" + mirroredDigest, null, writer)))
                .as("delete mirror").isEqualTo(expected.get(10));
        soft.assertAll();
    }

    // --- forged and foreign tokens -------------------------------------------------------------------

    /**
     * Each token claims pull on acme/private (what the administrator's genuine token claims) and must be refused
     * with the same 401 challenge as no token at all. The control is that same claim set signed properly.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"alg none", "HS256 with a guessed secret", "signed with another key", "expired",
            "not yet valid", "Hub session token", "Hub audience with an access claim", "refresh token",
            "access claim tampered", "token for another service"})
    void forgedOrForeignTokensAreRefused(String forgery) throws Exception {
        HttpResponse<byte[]> r = withBearer(forge(forgery));
        assertThat(r.statusCode()).as(forgery + ": " + TestRegistry.text(r)).isEqualTo(401);
        assertThat(TestRegistry.errorCode(r)).isEqualTo("UNAUTHORIZED");
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(h -> assertThat(h)
                .startsWith("Bearer realm=\"").contains("scope=\"repository:acme/private:pull\""));
    }

    @Test
    void theSameClaimsProperlySignedAreAccepted() throws Exception {
        HttpResponse<byte[]> r = withBearer(new JwtCodec(serverKey, Clock.systemUTC())
                .sign("wharf", "admin", Duration.ofMinutes(5), adminClaims()));
        assertThat(r.statusCode()).as(TestRegistry.text(r)).isEqualTo(200);
    }

    /**
     * A refresh token from a {@code repo:read} token's password grant keeps that scope: refreshing asks for push on
     * acme/private again and gets pull only (docs/scopes.md, "Sessions and refresh tokens").
     */
    @Test
    void aRefreshTokenKeepsTheScopeOfItsLogin() {
        String[] user = CALLERS.get("pat:read").split(":", 2);
        HttpResponse<byte[]> login = reg.send("POST", "/token", form("grant_type=password&client_id=matrix"
                + "&access_type=offline&service=wharf&scope=repository:acme/private:pull,push&username=" + user[0]
                + "&password=" + user[1]), "Content-Type", "application/x-www-form-urlencoded");
        assertThat(login.statusCode()).as(TestRegistry.text(login)).isEqualTo(200);
        assertThat(TestRegistry.json(login).path("scope").asText()).isEqualTo("repository:acme/private:pull");
        String refresh = TestRegistry.json(login).path("refresh_token").asText();
        assertThat(refresh).isNotBlank();
        HttpResponse<byte[]> refreshed = reg.send("POST", "/token", form("grant_type=refresh_token&client_id=matrix"
                + "&service=wharf&scope=repository:acme/private:pull,push&refresh_token=" + refresh),
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(refreshed.statusCode()).as(TestRegistry.text(refreshed)).isEqualTo(200);
        assertThat(TestRegistry.json(refreshed).path("scope").asText()).isEqualTo("repository:acme/private:pull");
    }

    private static byte[] form(String text) {
        return text.replace(",", "%2C").getBytes(StandardCharsets.UTF_8);
    }

    private static String forge(String forgery) throws Exception {
        JWTClaimsSet claims = adminClaims();
        JwtCodec server = new JwtCodec(serverKey, Clock.systemUTC());
        return switch (forgery) {
            case "alg none" -> new PlainJWT(claims).serialize();
            case "HS256 with a guessed secret" -> {
                byte[] secret = new byte[32];
                new SecureRandom().nextBytes(secret);
                SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
                jwt.sign(new MACSigner(secret));
                yield jwt.serialize();
            }
            case "signed with another key" -> new JwtCodec(SigningKeys.generate(), Clock.systemUTC())
                    .sign("wharf", "admin", Duration.ofMinutes(5), claims);
            case "expired" -> new JwtCodec(serverKey, Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)))
                    .sign("wharf", "admin", Duration.ofMinutes(5), claims);
            case "not yet valid" -> new JwtCodec(serverKey, Clock.offset(Clock.systemUTC(), Duration.ofHours(1)))
                    .sign("wharf", "admin", Duration.ofMinutes(5), claims);
            case "Hub session token" -> new SessionTokens(server, accounts, personalTokens,
                    new OrgAccessTokenService(db, Clock.systemUTC()), new dev.wharf.auth.LoginSessions(db, Clock.systemUTC()),
                    Clock.systemUTC())
                    .issue(accounts.findUser("admin").orElseThrow().principal());
            case "Hub audience with an access claim" -> server.sign(SessionTokens.HUB_AUDIENCE, "admin",
                    Duration.ofMinutes(5), claims);
            case "refresh token" -> {
                HttpResponse<byte[]> t = reg.get("/token?service=wharf&offline_token=true&scope="
                        + URLEncoder.encode("repository:acme/private:pull", StandardCharsets.UTF_8),
                        "Authorization", basic(CALLERS.get("admin")));
                assertThat(t.statusCode()).isEqualTo(200);
                yield TestRegistry.json(t).path("refresh_token").asText();
            }
            case "access claim tampered" -> {
                // mia's genuine token grants nothing on acme/private; swap in the admin's claims, keep her signature.
                String[] parts = token("mia", "repository:acme/private:pull").split("\\.");
                yield parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                        claims.toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
            }
            case "token for another service" -> server.sign("another-registry", "admin", Duration.ofMinutes(5),
                    claims);
            default -> throw new IllegalArgumentException(forgery);
        };
    }

    /** The claims of a genuine administrator token for pull on acme/private. */
    private static JWTClaimsSet adminClaims() throws Exception {
        JWTClaimsSet claims = SignedJWT.parse(token("admin", "repository:acme/private:pull")).getJWTClaimsSet();
        assertThat(claims.getClaim("access").toString()).contains("acme/private").contains("pull");
        return claims;
    }

    private static HttpResponse<byte[]> withBearer(String token) {
        return reg.get("/v2/acme/private/manifests/1", "Accept", OCI_MANIFEST, "Authorization", "Bearer " + token);
    }

    // --- the token dance ------------------------------------------------------------------------------

    /** Sends without a token, expects the challenge, fetches a token for it as {@code caller}, sends again. */
    private static HttpResponse<byte[]> call(String caller, String method, String path, byte[] body,
            String... headers) {
        HttpResponse<byte[]> first = reg.send(method, path, body, headers);
        String challenge = first.headers().firstValue("WWW-Authenticate").orElse("");
        assertThat(first.statusCode()).as(method + " " + path + " without a token").isEqualTo(401);
        assertThat(challenge).startsWith("Bearer ");
        Map<String, String> params = new HashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) params.put(m.group(1), m.group(2));
        assertThat(params.get("realm")).isEqualTo(reg.base + "/token");
        assertThat(params.get("service")).isEqualTo("wharf");
        String token = token(caller, params.get("scope"));
        List<String> all = new ArrayList<>(List.of(headers));
        all.addAll(List.of("Authorization", "Bearer " + token));
        return reg.send(method, path, body, all.toArray(String[]::new));
    }

    /** GET /token for one scope, with the caller's Basic credentials (none for anonymous). */
    private static String token(String caller, String scope) {
        String credentials = CALLERS.get(caller);
        String path = "/token?service=wharf&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8);
        HttpResponse<byte[]> r = credentials == null ? reg.get(path)
                : reg.get(path, "Authorization", basic(credentials));
        assertThat(r.statusCode()).as(caller + " token: " + TestRegistry.text(r)).isEqualTo(200);
        JsonNode body = TestRegistry.json(r);
        assertThat(body.path("access_token").asText()).isEqualTo(body.path("token").asText());
        return body.path("token").asText();
    }

    private static String basic(String userColonSecret) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonSecret.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<byte[]> pushBlob(String caller, String repository) {
        byte[] content = ("pushed by " + caller + " to " + repository).getBytes(StandardCharsets.UTF_8);
        return call(caller, "POST", "/v2/" + repository + "/blobs/uploads/?digest=" + Digest.sha256(content), content,
                "Content-Type", "application/octet-stream");
    }

    /** Pushes a one-layer image as {@code caller}; returns its manifest digest. */
    private static String pushImage(String caller, String repository, String tag) {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = ("layer " + repository + ":" + tag + " #" + pushes++).getBytes(StandardCharsets.UTF_8);
        for (byte[] blob : List.of(config, layer)) {
            HttpResponse<byte[]> r = call(caller, "POST", "/v2/" + repository + "/blobs/uploads/?digest="
                    + Digest.sha256(blob), blob, "Content-Type", "application/octet-stream");
            assertThat(r.statusCode()).as(TestRegistry.text(r)).isEqualTo(201);
        }
        byte[] manifest = TestRegistry.imageManifest(Digest.sha256(config), config.length, Digest.sha256(layer),
                layer.length, null).getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> r = call(caller, "PUT", "/v2/" + repository + "/manifests/" + tag, manifest,
                "Content-Type", OCI_MANIFEST);
        assertThat(r.statusCode()).as(TestRegistry.text(r)).isEqualTo(201);
        return Digest.sha256(manifest).toString();
    }

    /** "200", or "401 UNAUTHORIZED": the status and, for failures, the first OCI error code. */
    private static String outcome(HttpResponse<byte[]> r) {
        if (r.statusCode() < 400) return String.valueOf(r.statusCode());
        return r.statusCode() + " " + TestRegistry.errorCode(r);
    }

    private static List<String> names(HttpResponse<byte[]> catalog) {
        List<String> names = new ArrayList<>();
        TestRegistry.json(catalog).path("repositories").forEach(n -> names.add(n.asText()));
        return names;
    }
}
