package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.app.WharfServer;
import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.OrgAccessTokenService;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.User;
import dev.wharf.auth.token.JwtCodec;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.auth.token.SigningKeys;
import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.contract.OpenApiContract;
import dev.wharf.storage.meta.Database;
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
 * An in-process Wharf with auth on, plus the test's own handle on its database to create users and
 * organizations and to mint Hub session tokens (signed with the node's key, as a login would).
 */
final class CycleServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    final WharfServer server;
    final String base;
    final Database database;
    final AccountService accounts;
    private final SessionTokens sessions;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    CycleServer(Path dataDir, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--addr", "127.0.0.1:0", "--data-dir", dataDir.toString(),
                "--log-access", "false", "--admin-password", "admin-password-1"));
        args.addAll(List.of(extraArgs));
        WharfConfig config = ConfigLoader.load(args, Map.of());
        server = WharfServer.start(config);
        base = "http://127.0.0.1:" + server.port();
        database = Database.open(config.db().url(), blankToNull(config.db().user()), blankToNull(config.db().password()), 2,
                blankToNull(config.db().schema()));
        Clock clock = Clock.systemUTC();
        accounts = new AccountService(database, new PasswordHasher(1024, 1, 1), clock);
        sessions = new SessionTokens(new JwtCodec(SigningKeys.loadOrCreate(database, dev.wharf.auth.SecretBox.load(null, dataDir)), clock), accounts,
                new AccessTokenService(database, clock), new OrgAccessTokenService(database, clock), clock);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    User user(String name) {
        return accounts.createUser(name, name + "@example.com", "password-" + name + "-123", false);
    }

    void org(String name, User owner) {
        accounts.createOrganization(name, owner.id());
    }

    void member(String org, User user, OrgRole role) {
        accounts.setMember(org, user.username(), role);
    }

    String token(User user) {
        return sessions.issue(user.principal());
    }

    HttpResponse<byte[]> send(String method, String path, String token, String hub, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        if (hub != null) b.header("X-Hub-Id", hub);
        if (body != null) b.header("Content-Type", "application/json");
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        }
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException("not JSON: " + new String(r.body(), StandardCharsets.UTF_8), e);
        }
    }

    /** Checks the exchange against the image sources contract and returns the body. */
    static JsonNode sources(HttpResponse<byte[]> r) {
        OpenApiContract.cycleImageSources().assertResponseMatches(r);
        return json(r);
    }

    static JsonNode imagesAndJobs(HttpResponse<byte[]> r) {
        OpenApiContract.cycleImagesAndJobs().assertResponseMatches(r);
        return json(r);
    }

    @Override
    public void close() {
        server.stop();
        database.close();
    }
}
