package dev.wharf.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.app.WharfServer;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import dev.wharf.contract.OpenApiContract;
import dev.wharf.testing.StatementMeter;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Hub API tests' client on a {@link TestServer}: JSON requests, Hub sessions, and the Docker Hub contract
 * checks. Users and organizations are made through the test's own connection to the node's database, since the
 * Hub API part under test has no endpoints for them.
 */
final class HubTestServer implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    static final ObjectMapper JSON = TestServer.JSON;
    static final String ADMIN = TestServer.ADMIN;
    static final String ADMIN_PASSWORD = TestServer.ADMIN_PASSWORD;
    static final String PASSWORD = "Us3r-secret-for-tests";

    private final UnaryOperator<TestServer.Builder> options;
    TestServer wharf;
    WharfServer server;
    String base;
    AccountService accounts;

    /** A client on a server the test started (and closes through this). */
    HubTestServer(TestServer wharf) {
        this.options = null;
        attach(wharf);
    }

    private HubTestServer(UnaryOperator<TestServer.Builder> options) {
        this.options = options;
    }

    /**
     * One server for a whole test class, as {@code @RegisterExtension static final}: started on a data directory
     * of its own before the class's {@code @BeforeAll} methods, stopped after the class.
     */
    static HubTestServer perClass(UnaryOperator<TestServer.Builder> options) {
        return new HubTestServer(options);
    }

    static HubTestServer perClass() {
        return perClass(b -> b);
    }

    private void attach(TestServer started) {
        wharf = started;
        server = started.server;
        base = started.base;
        accounts = started.accounts();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        attach(options.apply(TestServer.builder()).build());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** A server whose background work stays out of statement counts: no GC passes, no webhook deliveries. */
    static HubTestServer quiet(Path dataDir, String... databaseFlags) {
        return new HubTestServer(TestServer.builder(dataDir).flags("--gc-enabled", "false", "--webhooks-deliver", "false")
                .flags(databaseFlags).build());
    }

    /** Counts the statements of requests to this server (see {@link StatementMeter}). */
    StatementMeter statementMeter() {
        return new StatementMeter(() -> send("GET", "/metrics", null));
    }

    User createUser(String name) {
        return accounts.createUser(name, name + "@example.test", PASSWORD, false);
    }

    /** A new user with {@link #PASSWORD}, signed in. */
    String newSession(String name) {
        createUser(name);
        return session(name, PASSWORD);
    }

    /** Sessions of an organization's owner, one plain member, and a user outside it. */
    record OrgCast(String owner, String member, String outsider) {
    }

    /**
     * Makes organization {@code org} with users {@code <prefix>owner} (its owner), {@code <prefix>member} (a
     * plain member) and {@code <prefix>outsider} (no member), and signs them in.
     */
    OrgCast org(String org, String prefix) {
        User owner = createUser(prefix + "owner");
        accounts.organizations().createOrganization(org, owner.id());
        String member = newSession(prefix + "member");
        accounts.organizations().setMember(org, prefix + "member", OrgRole.MEMBER);
        return new OrgCast(session(prefix + "owner", PASSWORD), member, newSession(prefix + "outsider"));
    }

    HttpResponse<byte[]> send(String method, String path, String body, String... headers) {
        if (body == null) return wharf.send(method, path, null, headers);
        return wharf.send(method, path, body.getBytes(StandardCharsets.UTF_8),
                TestServer.header("Content-Type", "application/json", headers));
    }

    /** A form POST (the token endpoint's password and refresh grants). */
    HttpResponse<byte[]> sendForm(String path, String form) {
        return wharf.send("POST", path, form.getBytes(StandardCharsets.UTF_8), "Content-Type",
                "application/x-www-form-urlencoded", "User-Agent", "docker/27.0 go/go1.22");
    }

    /** A request with a Hub session. */
    HttpResponse<byte[]> as(String session, String method, String path, String body) {
        return send(method, path, body, "Authorization", "Bearer " + session, "User-Agent", "wharf-tests/1.0");
    }

    HttpResponse<byte[]> login(String username, String secret) {
        return send("POST", "/v2/users/login", json(Map.of("username", username, "password", secret)));
    }

    /** A session for a user without 2FA. */
    String session(String username, String secret) {
        HttpResponse<byte[]> r = login(username, secret);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return body(r).path("token").asText();
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String text(HttpResponse<byte[]> r) {
        return TestServer.text(r);
    }

    static JsonNode body(HttpResponse<byte[]> r) {
        return TestServer.json(r);
    }

    /** Asserts the response against the restored seed document (the beta Docker Hub contract). */
    static HttpResponse<byte[]> beta(HttpResponse<byte[]> r) {
        return contract(OpenApiContract.dockerHubBeta(), r);
    }

    /** Asserts the response against the current Docker Hub contract. */
    static HttpResponse<byte[]> latest(HttpResponse<byte[]> r) {
        return contract(OpenApiContract.dockerHubLatest(), r);
    }

    /**
     * Both documents define {@code ValueError.fields} as {@code type: object} with an {@code items} keyword, which
     * the validator reads as an array. Wharf sends the object the type names (field -> messages), so 400s are
     * checked here against that reading of the schema instead.
     */
    private static HttpResponse<byte[]> contract(OpenApiContract contract, HttpResponse<byte[]> r) {
        if (r.statusCode() != 400) {
            contract.assertResponseMatches(r);
            return r;
        }
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("application/json"));
        JsonNode b = body(r);
        assertThat(b.path("text").isTextual()).as(text(r)).isTrue();
        assertThat(b.path("detail").isTextual()).as(text(r)).isTrue();
        assertThat(b.path("fields").isObject()).as(text(r)).isTrue();
        b.path("fields").forEach(messages -> {
            assertThat(messages.isArray()).as(text(r)).isTrue();
            messages.forEach(m -> assertThat(m.isTextual()).as(text(r)).isTrue());
        });
        return r;
    }

    @Override
    public void close() {
        wharf.close();
    }
}
