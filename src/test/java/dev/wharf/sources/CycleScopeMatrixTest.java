package dev.wharf.sources;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import dev.wharf.testing.ScopeMatrix;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may do what on {@code /v1/}, as a matrix of caller × operation, over real HTTP. The token rows are sessions
 * made the way a client makes them: {@code POST /v2/users/login} with an access token as the password. The scope
 * table this checks is in docs/scopes.md.
 *
 * <p>Cast: olivia owns the organization {@code acme} (the hub of every column but "create (own hub)", which is
 * the caller's own hub); mia is a plain member of acme. {@code pat:*} are olivia's personal access tokens, so only
 * their scope limits them; {@code oat} is an organization access token of acme with push on every acme
 * repository and every organization scope Wharf knows. Every cell that needs a source or an image gets a fresh
 * one, made by olivia's password session. A success cell is the status; a refusal is the status and the code of
 * Cycle's error envelope.
 */
class CycleScopeMatrixTest {

    private static final ScopeMatrix MATRIX = new ScopeMatrix("""
            caller          | list sources         | get source           | create source        | create (own hub)     | update source        | source acl           | delete source        | list images          | create image         | rename image         | import               | build                | upload               | delete image         | prune                | list jobs
            olivia          | 200                  | 200                  | 201                  | 201                  | 200                  | 200                  | 202                  | 200                  | 201                  | 200                  | 200                  | 200                  | 200                  | 200                  | 202                  | 200
            mia             | 200                  | 200                  | 403 403.permissions  | 201                  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 200                  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 200
            pat:public_read | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions
            pat:read        | 200                  | 200                  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 200                  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 403 403.permissions  | 200
            pat:write       | 200                  | 200                  | 201                  | 201                  | 200                  | 403 403.permissions  | 403 403.permissions  | 200                  | 201                  | 200                  | 200                  | 200                  | 200                  | 403 403.permissions  | 403 403.permissions  | 200
            pat:admin       | 200                  | 200                  | 201                  | 201                  | 200                  | 200                  | 202                  | 200                  | 201                  | 200                  | 200                  | 200                  | 200                  | 200                  | 202                  | 200
            oat             | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid | 401 401.auth-invalid
            """);

    private static final String REGISTRY_SOURCE = "{\"name\": \"app\", \"type\": \"direct\", \"origin\": {\"type\":"
            + " \"docker-registry\", \"details\": {\"target\": \"team/app:1\", \"url\": \"http://127.0.0.1:1\"}}}";
    private static final String DOCKERFILE_SOURCE = "{\"name\": \"built\", \"type\": \"direct\", \"origin\":"
            + " {\"type\": \"docker-file\", \"details\": {\"targz_url\": \"http://127.0.0.1:1/context.tar.gz\"}}}";
    private static final String UPLOAD_SOURCE = "{\"name\": \"uploaded\", \"type\": \"direct\", \"origin\":"
            + " {\"type\": \"cycle-upload\", \"details\": {\"token\": \"t\", \"expires\": \"2030-01-01T00:00:00Z\"}}}";

    @TempDir static Path dir;
    static CycleServer wharf;
    /** olivia's password session: makes the fixtures. */
    static String owner;
    /** caller name from the table → a Hub session JWT; and the caller's own hub. */
    static final Map<String, String> SESSIONS = new HashMap<>();
    static final Map<String, String> OWN_HUB = new HashMap<>();

    @BeforeAll
    static void start() {
        wharf = new CycleServer(TestServer.builder(dir).build());
        User olivia = wharf.user("olivia");
        User mia = wharf.user("mia");
        wharf.org("acme", olivia);
        wharf.member("acme", mia, OrgRole.MEMBER);
        owner = login("olivia", "password-olivia-123");
        SESSIONS.put("olivia", owner);
        OWN_HUB.put("olivia", "olivia");
        SESSIONS.put("mia", login("mia", "password-mia-123"));
        OWN_HUB.put("mia", "mia");
        for (String scope : List.of("public_read", "read", "write", "admin")) {
            HttpResponse<byte[]> created = wharf.send("POST", "/v2/access-tokens", owner, null,
                    "{\"token_label\": \"matrix-" + scope.replace('_', '-') + "\", \"scopes\": [\"repo:" + scope
                            + "\"]}");
            assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
            SESSIONS.put("pat:" + scope, login("olivia", CycleServer.json(created).path("token").asText()));
            OWN_HUB.put("pat:" + scope, "olivia");
        }
        HttpResponse<byte[]> oat = wharf.send("POST", "/v2/orgs/acme/access-tokens", owner, null, """
                {"label": "matrix", "resources": [
                  {"type": "TYPE_REPO", "path": "acme/*", "scopes": ["scope-image-push"]},
                  {"type": "TYPE_ORG", "path": "acme", "scopes": ["scope-member-edit", "scope-group-edit"]}]}""");
        assertThat(oat.statusCode()).as(text(oat)).isEqualTo(201);
        SESSIONS.put("oat", login("acme", CycleServer.json(oat).path("token").asText()));
        OWN_HUB.put("oat", "acme");
    }

    @AfterAll
    static void stop() {
        wharf.close();
    }

    static Stream<Arguments> rows() {
        return MATRIX.rows();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matrix(String caller, List<String> expected) {
        String s = SESSIONS.get(caller);
        Map<String, Function<String, HttpResponse<byte[]>>> ops = new java.util.LinkedHashMap<>();
        ops.put("list sources", t -> as(t, "GET", "/v1/images/sources", null));
        ops.put("get source", t -> as(t, "GET", "/v1/images/sources/" + source(REGISTRY_SOURCE), null));
        ops.put("create source", t -> as(t, "POST", "/v1/images/sources", REGISTRY_SOURCE));
        ops.put("create (own hub)", t -> wharf.send("POST", "/v1/images/sources", t, OWN_HUB.get(caller),
                REGISTRY_SOURCE));
        ops.put("update source", t -> as(t, "PATCH", "/v1/images/sources/" + source(REGISTRY_SOURCE),
                "{\"name\": \"renamed\"}"));
        ops.put("source acl", t -> as(t, "PATCH", "/v1/images/sources/" + source(REGISTRY_SOURCE) + "/access",
                "{\"acl\": {\"roles\": {\"member\": {\"view\": true, \"modify\": true, \"manage\": true}}}}"));
        ops.put("delete source", t -> as(t, "DELETE", "/v1/images/sources/" + source(REGISTRY_SOURCE), null));
        ops.put("list images", t -> as(t, "GET", "/v1/images", null));
        ops.put("create image", t -> as(t, "POST", "/v1/images", "{\"source_id\": \"" + source(REGISTRY_SOURCE)
                + "\"}"));
        ops.put("rename image", t -> as(t, "PATCH", "/v1/images/" + image(source(REGISTRY_SOURCE)),
                "{\"name\": \"renamed\"}"));
        ops.put("import", t -> as(t, "POST", "/v1/images/" + image(source(REGISTRY_SOURCE)) + "/tasks",
                "{\"action\": \"import\"}"));
        ops.put("build", t -> as(t, "POST", "/v1/images/" + image(source(DOCKERFILE_SOURCE)) + "/tasks",
                "{\"action\": \"import\"}"));
        ops.put("upload", t -> as(t, "POST", "/v1/images/" + image(source(UPLOAD_SOURCE)) + "/upload",
                "not really a tarball"));
        ops.put("delete image", t -> as(t, "DELETE", "/v1/images/" + image(source(REGISTRY_SOURCE)), null));
        ops.put("prune", t -> as(t, "POST", "/v1/images/tasks", "{\"action\": \"prune\", \"contents\":"
                + " {\"source_ids\": [\"" + source(REGISTRY_SOURCE) + "\"]}}"));
        ops.put("list jobs", t -> as(t, "GET", "/v1/jobs", null));
        MATRIX.assertRow(caller, s, expected, ops, CycleScopeMatrixTest::outcome, CycleScopeMatrixTest::brief);
    }

    /** The finding's own words: a repo:public_read token may not import over its user's private repository. */
    @Test
    void publicReadTokenCannotOverwriteItsUsersPrivateRepository() {
        String source = source(REGISTRY_SOURCE);
        String image = image(source);
        HttpResponse<byte[]> r = as(SESSIONS.get("pat:public_read"), "POST", "/v1/images/" + image + "/tasks",
                "{\"action\": \"import\"}");
        assertThat(outcome(r)).isEqualTo("403 403.permissions");
        assertThat(CycleServer.json(r).path("error").path("detail").asText()).contains("repo:public_read");
        assertThat(CycleServer.json(r).path("data").isNull()).isTrue();
        // nothing was queued for that image
        JsonNode jobs = CycleServer.json(as(owner, "GET", "/v1/jobs", null)).path("data");
        jobs.forEach(j -> assertThat(j.path("tasks").toString()).doesNotContain(image));
    }

    private static HttpResponse<byte[]> as(String session, String method, String path, String body) {
        return wharf.send(method, path, session, "acme", body);
    }

    private static String source(String body) {
        HttpResponse<byte[]> r = as(owner, "POST", "/v1/images/sources", body);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
        return CycleServer.json(r).path("data").path("id").asText();
    }

    private static String image(String source) {
        HttpResponse<byte[]> r = as(owner, "POST", "/v1/images", "{\"source_id\": \"" + source + "\"}");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(201);
        return CycleServer.json(r).path("data").path("id").asText();
    }

    private static String login(String username, String secret) {
        HttpResponse<byte[]> r = wharf.send("POST", "/v2/users/login", null, null,
                "{\"username\": \"" + username + "\", \"password\": \"" + secret + "\"}");
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return CycleServer.json(r).path("token").asText();
    }

    /** The status; for a failure also Cycle's error code, after checking the envelope is Cycle's. */
    private static String outcome(HttpResponse<byte[]> r) {
        if (r.statusCode() < 400) return String.valueOf(r.statusCode());
        JsonNode b = CycleServer.json(r);
        assertThat(b.path("data").isNull()).as(text(r)).isTrue();
        assertThat(b.path("error").path("status").asInt()).as(text(r)).isEqualTo(r.statusCode());
        assertThat(b.path("error").path("title").asText()).as(text(r)).isNotBlank();
        return r.statusCode() + " " + b.path("error").path("code").asText();
    }

    private static String brief(HttpResponse<byte[]> r) {
        String t = text(r);
        return t.length() > 300 ? t.substring(0, 300) + "…" : t;
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }
}
