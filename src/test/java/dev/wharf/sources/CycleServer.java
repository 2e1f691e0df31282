package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.LoginSessions;
import dev.wharf.auth.OrgAccessTokenService;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.SecretBox;
import dev.wharf.auth.User;
import dev.wharf.auth.token.JwtCodec;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.auth.token.SigningKeys;
import dev.wharf.contract.OpenApiContract;
import dev.wharf.storage.meta.Database;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The Cycle API tests' client on a {@link TestServer} (auth on): the test's own handle on the node's database to
 * create users and organizations, and Hub session tokens minted with the node's key, as a login would.
 */
final class CycleServer implements AutoCloseable {
    static final ObjectMapper JSON = TestServer.JSON;
    final TestServer wharf;
    final String base;
    final Database database;
    final AccountService accounts;
    private final SessionTokens sessions;

    CycleServer(TestServer wharf) {
        this.wharf = wharf;
        base = wharf.base;
        database = wharf.database();
        accounts = wharf.accounts();
        Clock clock = wharf.clock();
        sessions = new SessionTokens(new JwtCodec(SigningKeys.loadOrCreate(database,
                SecretBox.load(null, wharf.config.dataDir())), clock), accounts,
                new AccessTokenService(database, clock), new OrgAccessTokenService(database, clock),
                new LoginSessions(database, clock), clock);
    }

    User user(String name) {
        return accounts.createUser(name, name + "@example.com", "password-" + name + "-123", false);
    }

    void org(String name, User owner) {
        accounts.organizations().createOrganization(name, owner.id());
    }

    void member(String org, User user, OrgRole role) {
        accounts.organizations().setMember(org, user.username(), role);
    }

    String token(User user) {
        return sessions.issue(user.principal());
    }

    HttpResponse<byte[]> send(String method, String path, String token, String hub, String body) {
        List<String> headers = new ArrayList<>(List.of(TestServer.bearer(token)));
        if (hub != null) headers.addAll(List.of("X-Hub-Id", hub));
        if (body != null) headers.addAll(List.of("Content-Type", "application/json"));
        return wharf.send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                headers.toArray(String[]::new));
    }

    static JsonNode json(HttpResponse<byte[]> r) {
        return TestServer.json(r);
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
        wharf.close();
    }
}
