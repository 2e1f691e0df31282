package dev.wharf.hub;

import dev.wharf.testing.TestServer;
import static dev.wharf.hub.HubTestServer.ADMIN;
import static dev.wharf.hub.HubTestServer.ADMIN_PASSWORD;
import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may use the endpoints added after the first matrices (webhooks, retention, quotas, search, the mirrors'
 * admin API, garbage collection, login sessions), as a matrix of caller × operation over real HTTP; the table this checks is in
 * docs/scopes.md. Token rows are sessions made by {@code POST /v2/users/login} with the token as the password.
 *
 * <p>Cast: olivia owns the organization {@code acme}, whose private repository {@code acme/app} she pushed; mia is
 * a plain member; sam belongs to nothing; admin is the server administrator. {@code pat:*} are olivia's personal
 * access tokens, {@code admin-pat:*} the administrator's; {@code oat:pull} is an organization token of acme that
 * may pull {@code acme/*}, {@code oat:members} one with only {@code scope-member-edit}. A cell is the status
 * ({@code sees} / {@code hides} for search: whether {@code acme/app} is among the results); every refusal is
 * checked to carry a {@code message}.
 */
class NewerEndpointsScopeMatrixTest {

    private static final String MATRIX = """
            caller          | list webhooks | create webhook | get retention | put retention | preview retention | list retention runs | get quota | set quota | quotas overview | search | list mirrors | delete mirror | gc dry run    | list sessions
            olivia          | 200           | 201            | 200           | 200           | 200               | 200                 | 200       | 403       | 403             | sees   | 403          | 403           | 403           | 200
            mia             | 403           | 403            | 403           | 403           | 403               | 403                 | 200       | 403       | 403             | hides  | 403          | 403           | 403           | 200
            sam             | 404           | 404            | 404           | 404           | 404               | 404                 | 404       | 403       | 403             | hides  | 403          | 403           | 403           | 200
            admin           | 404           | 404            | 404           | 404           | 404               | 404                 | 200       | 200       | 200             | sees   | 200          | 404           | 200           | 200
            anonymous       | 401           | 401            | 401           | 401           | 401               | 401                 | 401       | 401       | 401             | hides  | 401          | 401           | 401           | 401
            pat:public_read | 403           | 403            | 403           | 403           | 403               | 403                 | 403       | 403       | 403             | hides  | 403          | 403           | 403           | 401
            pat:read        | 403           | 403            | 403           | 403           | 403               | 403                 | 200       | 403       | 403             | sees   | 403          | 403           | 403           | 401
            pat:write       | 403           | 403            | 403           | 403           | 403               | 403                 | 200       | 403       | 403             | sees   | 403          | 403           | 403           | 401
            pat:admin       | 200           | 201            | 200           | 200           | 200               | 200                 | 200       | 403       | 403             | sees   | 403          | 403           | 403           | 401
            admin-pat:read  | 403           | 403            | 403           | 403           | 403               | 403                 | 200       | 403       | 200             | sees   | 403          | 403           | 403           | 401
            admin-pat:admin | 404           | 404            | 404           | 404           | 404               | 404                 | 200       | 200       | 200             | sees   | 403          | 403           | 403           | 401
            oat:pull        | 403           | 403            | 403           | 403           | 403               | 403                 | 403       | 403       | 403             | sees   | 403          | 403           | 403           | 401
            oat:members     | 403           | 403            | 403           | 403           | 403               | 403                 | 403       | 403       | 403             | hides  | 403          | 403           | 403           | 401
            """;

    @TempDir static Path dir;
    static HubTestServer hub;
    static final Map<String, String> SESSIONS = new HashMap<>();
    static final AtomicInteger FRESH = new AtomicInteger();

    @BeforeAll
    static void start() {
        hub = new HubTestServer(TestServer.builder(dir).flags("--outbound-allow", "127.0.0.0/8").build());
        User olivia = hub.createUser("olivia");
        hub.createUser("mia");
        hub.createUser("sam");
        hub.accounts.organizations().createOrganization("acme", olivia.id());
        hub.accounts.organizations().setMember("acme", "mia", OrgRole.MEMBER);
        HttpResponse<byte[]> pushed = new RegistryClient(hub).pushImage("olivia", PASSWORD, "acme/app", "v1", "app");
        assertThat(pushed.statusCode()).as(text(pushed)).isEqualTo(201); // private: repositories.default_private
        String owner = hub.session("olivia", PASSWORD);
        String admin = hub.session(ADMIN, ADMIN_PASSWORD);
        SESSIONS.put("olivia", owner);
        SESSIONS.put("mia", hub.session("mia", PASSWORD));
        SESSIONS.put("sam", hub.session("sam", PASSWORD));
        SESSIONS.put("admin", admin);
        for (String scope : List.of("public_read", "read", "write", "admin")) {
            SESSIONS.put("pat:" + scope, pat(owner, "olivia", scope));
        }
        SESSIONS.put("admin-pat:read", pat(admin, ADMIN, "read"));
        SESSIONS.put("admin-pat:admin", pat(admin, ADMIN, "admin"));
        SESSIONS.put("oat:pull", oat(owner, "[{\"type\": \"TYPE_REPO\", \"path\": \"acme/*\", \"scopes\":"
                + " [\"scope-image-pull\"]}]"));
        SESSIONS.put("oat:members", oat(owner, "[{\"type\": \"TYPE_ORG\", \"path\": \"acme\", \"scopes\":"
                + " [\"scope-member-edit\"]}]"));
        HttpResponse<byte[]> policy = hub.as(owner, "PUT", "/v2/namespaces/acme/retention", "{\"keep_last\": 5}");
        assertThat(policy.statusCode()).as(text(policy)).isEqualTo(200);
    }

    private static String pat(String session, String user, String scope) {
        HttpResponse<byte[]> created = hub.as(session, "POST", "/v2/access-tokens", "{\"token_label\": \"matrix-"
                + user + "-" + scope.replace('_', '-') + "\", \"scopes\": [\"repo:" + scope + "\"]}");
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        return hub.session(user, body(created).path("token").asText());
    }

    private static String oat(String ownerSession, String resources) {
        HttpResponse<byte[]> created = hub.as(ownerSession, "POST", "/v2/orgs/acme/access-tokens",
                "{\"label\": \"matrix-" + FRESH.incrementAndGet() + "\", \"resources\": " + resources + "}");
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        return hub.session("acme", body(created).path("token").asText());
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    static Stream<Arguments> rows() {
        return MatrixTable.parse(MATRIX).arguments();
    }

    @Test
    void everyRowHasEveryColumnInTheOrderOfTheOperations() {
        MatrixTable table = MatrixTable.parse(MATRIX);
        assertThat(table.operations()).containsExactlyElementsOf(operations().keySet());
        table.rows().forEach(r -> assertThat(r).as(r.get(0)).hasSize(table.operations().size() + 1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matrix(String caller, List<String> expected) {
        String session = caller.equals("anonymous") ? null : SESSIONS.get(caller);
        assertThat(session != null || caller.equals("anonymous")).as(caller).isTrue();
        Map<String, Function<String, HttpResponse<byte[]>>> ops = operations();
        List<String> names = List.copyOf(ops.keySet());
        SoftAssertions soft = new SoftAssertions();
        for (int i = 0; i < names.size(); i++) {
            HttpResponse<byte[]> r = ops.get(names.get(i)).apply(session);
            String outcome = names.get(i).equals("search") ? searchOutcome(r) : outcome(r);
            soft.assertThat(outcome).as("%s: %s (%s)", caller, names.get(i), text(r)).isEqualTo(expected.get(i));
        }
        soft.assertAll();
    }

    private static Map<String, Function<String, HttpResponse<byte[]>>> operations() {
        Map<String, Function<String, HttpResponse<byte[]>>> ops = new LinkedHashMap<>();
        String hooks = "/v2/namespaces/acme/webhook_pipeline";
        ops.put("list webhooks", s -> call(s, "GET", hooks, null));
        ops.put("create webhook", s -> call(s, "POST", hooks, json(Map.of("name", "hook-" + FRESH.incrementAndGet(),
                "webhooks", List.of(Map.of("hook_url", "http://127.0.0.1:9/hook"))))));
        String retention = "/v2/namespaces/acme/retention";
        ops.put("get retention", s -> call(s, "GET", retention, null));
        ops.put("put retention", s -> call(s, "PUT", retention, "{\"keep_last\": 5}"));
        ops.put("preview retention", s -> call(s, "POST", retention + "/preview", null));
        ops.put("list retention runs", s -> call(s, "GET", retention + "/runs", null));
        ops.put("get quota", s -> call(s, "GET", "/v2/namespaces/acme/quota", null));
        ops.put("set quota", s -> call(s, "PUT", "/v2/namespaces/acme/quota", "{\"limit_bytes\": 1000000000}"));
        ops.put("quotas overview", s -> call(s, "GET", "/v2/admin/quotas", null));
        ops.put("search", s -> call(s, "GET", "/v2/search/repositories/?query=app", null));
        ops.put("list mirrors", s -> call(s, "GET", "/admin/mirrors", null));
        ops.put("delete mirror", s -> call(s, "DELETE", "/admin/mirrors/no-such-mirror", null));
        // A dry run with the shortest grace: who may ask for a pass, without deleting what other rows use.
        ops.put("gc dry run", s -> call(s, "POST", "/admin/gc?dry_run=true&blob_grace=0s", null));
        ops.put("list sessions", s -> call(s, "GET", "/v2/auth/sessions", null));
        return ops;
    }

    private static HttpResponse<byte[]> call(String session, String method, String path, String body) {
        return session == null ? hub.send(method, path, body) : hub.as(session, method, path, body);
    }

    /** The status, after checking that a refusal says why (Hub errors and the admin API both carry a message). */
    private static String outcome(HttpResponse<byte[]> r) {
        if (r.statusCode() < 400) return String.valueOf(r.statusCode());
        JsonNode b = body(r);
        assertThat(b.path("message").asText()).as(text(r)).isNotBlank();
        assertThat(b.has("errors")).as(text(r)).isFalse();
        return String.valueOf(r.statusCode());
    }

    private static String searchOutcome(HttpResponse<byte[]> r) {
        if (r.statusCode() != 200) return outcome(r);
        for (JsonNode hit : body(r).path("results")) {
            if (hit.path("repo_name").asText().equals("acme/app")) return "sees";
        }
        return "hides";
    }
}
