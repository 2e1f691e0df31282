package dev.wharf.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.app.WharfServer;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.User;
import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.contract.OpenApiContract;
import dev.wharf.storage.meta.Database;
import dev.wharf.testing.StatementMeter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An in-process Wharf with a known administrator, and a small JSON client for Hub API tests. Users and
 * organizations are made through a second connection to the same SQLite file, since the Hub API part under test
 * has no endpoints for them.
 */
final class HubTestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "Adm1n-secret-for-tests";
    static final String PASSWORD = "Us3r-secret-for-tests";

    final WharfServer server;
    final String base;
    private final Database database;
    final AccountService accounts;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    HubTestServer(Path dataDir, String... extraFlags) {
        List<String> args = new ArrayList<>(List.of("--addr", "127.0.0.1:0", "--data-dir", dataDir.toString(),
                "--log-access", "false", "--admin-password", ADMIN_PASSWORD));
        args.addAll(List.of(extraFlags));
        WharfConfig config = ConfigLoader.load(args, Map.of());
        server = WharfServer.start(config);
        base = "http://127.0.0.1:" + server.port();
        database = Database.open(config.db().url(), blankToNull(config.db().user()),
                blankToNull(config.db().password()), 2, blankToNull(config.db().schema()));
        accounts = new AccountService(database, PasswordHasher.defaults(), Clock.systemUTC());
    }

    /** A server whose background work stays out of statement counts: no GC passes, no webhook deliveries. */
    static HubTestServer quiet(Path dataDir, String... databaseFlags) {
        List<String> flags = new ArrayList<>(List.of("--gc-enabled", "false", "--webhooks-deliver", "false"));
        flags.addAll(List.of(databaseFlags));
        return new HubTestServer(dataDir, flags.toArray(String[]::new));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** Counts the statements of requests to this server (see {@link StatementMeter}). */
    StatementMeter statementMeter() {
        return new StatementMeter(() -> send("GET", "/metrics", null));
    }

    User createUser(String name) {
        return accounts.createUser(name, name + "@example.test", PASSWORD, false);
    }

    HttpResponse<byte[]> send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        }
    }

    /** A form POST (the token endpoint's password and refresh grants). */
    HttpResponse<byte[]> sendForm(String path, String form) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("User-Agent", "docker/27.0 go/go1.22")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException("POST " + path + " failed", e);
        }
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
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static JsonNode body(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + text(r), e);
        }
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
        server.stop();
        database.close();
    }
}
