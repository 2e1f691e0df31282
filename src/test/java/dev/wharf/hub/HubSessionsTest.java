package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.Totp;
import dev.wharf.auth.User;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13 finding 7 and issue 19: a password reset used to leave sessions and {@code docker login}'s 60-day
 * refresh tokens working, with no way to revoke them. Now they are listed and revoked through
 * {@code /v2/auth/sessions}, and a password or 2FA change revokes them.
 */
class HubSessionsTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();

    /** What {@code docker login} does: the password grant with access_type=offline, keeping the refresh token. */
    private static String dockerLogin(String user) {
        HttpResponse<byte[]> r = hub.sendForm("/token", "grant_type=password&client_id=docker&access_type=offline&service=wharf"
                + "&username=" + user + "&password=" + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        return body(r).path("refresh_token").asText();
    }

    private static HttpResponse<byte[]> refresh(String refreshToken) {
        return hub.sendForm("/token", "grant_type=refresh_token&client_id=docker&service=wharf"
                + "&scope=repository:x/y:pull&refresh_token=" + refreshToken);
    }

    private static List<JsonNode> sessions(String session) {
        HttpResponse<byte[]> r = hub.as(session, "GET", "/v2/auth/sessions", null);
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        List<JsonNode> list = new ArrayList<>();
        body(r).path("results").forEach(list::add);
        assertThat(body(r).path("count").asInt()).isEqualTo(list.size());
        return list;
    }

    @Test
    void aPasswordResetRevokesSessionsAndDockerLoginRefreshTokens() {
        User user = hub.createUser("reset");
        String session = hub.session("reset", PASSWORD);
        String refreshToken = dockerLogin("reset");
        assertThat(refresh(refreshToken).statusCode()).isEqualTo(200);
        assertThat(hub.as(session, "GET", "/v2/access-tokens", null).statusCode()).isEqualTo(200);

        hub.accounts.resetPassword(user.id(), "a brand new password");

        HttpResponse<byte[]> refused = refresh(refreshToken);
        assertThat(refused.statusCode()).as(text(refused)).isEqualTo(401);
        assertThat(body(refused).path("error").asText()).isEqualTo("invalid_grant");
        assertThat(hub.as(session, "GET", "/v2/access-tokens", null).statusCode()).isEqualTo(401);
    }

    @Test
    void aUserListsAndRevokesTheirSessionsAndRefreshTokens() {
        hub.createUser("lister");
        String mine = hub.session("lister", PASSWORD);
        String other = hub.session("lister", PASSWORD);
        String refreshToken = dockerLogin("lister");

        List<JsonNode> listed = sessions(mine);
        assertThat(listed).hasSize(3);
        assertThat(listed).filteredOn(s -> s.path("current").asBoolean()).hasSize(1);
        assertThat(listed).extracting(s -> s.path("type").asText())
                .containsExactlyInAnyOrder("session", "session", "refresh_token");
        JsonNode dockerEntry = listed.stream().filter(s -> s.path("type").asText().equals("refresh_token"))
                .findFirst().orElseThrow();
        assertThat(dockerEntry.path("client_ip").asText()).isEqualTo("127.0.0.1");
        assertThat(dockerEntry.path("via").asText()).isEqualTo("password");
        assertThat(dockerEntry.path("expires_at").asText()).endsWith("Z");
        Instant expires = Instant.parse(dockerEntry.path("expires_at").asText());
        assertThat(expires).as("refresh tokens live 60 days").isAfter(Instant.now().plusSeconds(59L * 86400));

        hub.createUser("stranger");
        String stranger = hub.session("stranger", PASSWORD);
        String dockerId = dockerEntry.path("id").asText();
        assertThat(hub.as(stranger, "DELETE", "/v2/auth/sessions/" + dockerId, null).statusCode())
                .as("another user's session is a 404").isEqualTo(404);
        assertThat(refresh(refreshToken).statusCode()).isEqualTo(200);

        assertThat(hub.as(mine, "DELETE", "/v2/auth/sessions/" + dockerId, null).statusCode()).isEqualTo(204);
        assertThat(refresh(refreshToken).statusCode()).isEqualTo(401);
        assertThat(hub.as(mine, "DELETE", "/v2/auth/sessions/" + dockerId, null).statusCode()).isEqualTo(404);

        assertThat(hub.as(mine, "DELETE", "/v2/auth/sessions", null).statusCode()).isEqualTo(204);
        assertThat(hub.as(other, "GET", "/v2/auth/sessions", null).statusCode()).isEqualTo(401);
        assertThat(sessions(mine)).singleElement().satisfies(s -> assertThat(s.path("current").asBoolean()).isTrue());

        assertThat(hub.as(mine, "DELETE", "/v2/auth/sessions/current", null).statusCode()).isEqualTo(204);
        assertThat(hub.as(mine, "GET", "/v2/auth/sessions", null).statusCode()).isEqualTo(401);
        assertThat(hub.send("GET", "/v2/auth/sessions", null).statusCode()).isEqualTo(401);
    }

    @Test
    void enablingTwoFactorRevokesEveryOtherSession() throws Exception {
        hub.createUser("twofactor");
        String current = hub.session("twofactor", PASSWORD);
        String other = hub.session("twofactor", PASSWORD);
        String refreshToken = dockerLogin("twofactor");
        Instant now = HubTwoFactorTest.freshStep();
        String secret = body(hub.as(current, "POST", "/v2/auth/2fa/enroll", null)).path("secret").asText();
        HttpResponse<byte[]> confirm = hub.as(current, "POST", "/v2/auth/2fa/confirm",
                json(Map.of("code", new Totp().code(secret, now))));
        assertThat(confirm.statusCode()).as(text(confirm)).isEqualTo(200);
        assertThat(hub.as(current, "GET", "/v2/auth/sessions", null).statusCode()).isEqualTo(200);
        assertThat(hub.as(other, "GET", "/v2/auth/sessions", null).statusCode()).isEqualTo(401);
        assertThat(refresh(refreshToken).statusCode()).isEqualTo(401);
    }

    @Test
    void accessTokenSessionsCannotListOrRevokeOthersButCanSignThemselvesOut() {
        hub.createUser("patuser");
        String session = hub.session("patuser", PASSWORD);
        String pat = body(hub.as(session, "POST", "/v2/access-tokens",
                json(Map.of("token_label", "ci", "scopes", List.of("repo:read"))))).path("token").asText();
        String patSession = hub.session("patuser", pat);
        assertThat(hub.as(patSession, "GET", "/v2/auth/sessions", null).statusCode()).isEqualTo(401);
        assertThat(sessions(session)).anySatisfy(s -> assertThat(s.path("via").asText())
                .isEqualTo("personal_access_token"));
        assertThat(hub.as(patSession, "DELETE", "/v2/auth/sessions/current", null).statusCode()).isEqualTo(204);
        assertThat(hub.as(patSession, "GET", "/v2/access-tokens", null).statusCode()).isEqualTo(401);
    }
}
