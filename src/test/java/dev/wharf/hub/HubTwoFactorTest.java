package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.beta;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.Totp;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HubTwoFactorTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();
    static final Totp TOTP = new Totp();

    // Every failed code below counts against 127.0.0.1 in the login throttle, which locks after five: this
    // server is for the flow alone, and forged-token cases live in HubLoginTest.

    /**
     * A TOTP code is accepted once per 30-second step and within one step of now, so the flow uses the previous,
     * current and next steps in turn. Start well inside a step so the three stay valid while the test runs.
     */
    static Instant freshStep() throws InterruptedException {
        long intoStep = System.currentTimeMillis() % (Totp.STEP_SECONDS * 1000L);
        if (intoStep > (Totp.STEP_SECONDS - 8) * 1000L) Thread.sleep(Totp.STEP_SECONDS * 1000L - intoStep + 200);
        return Instant.now();
    }

    @Test
    void enrollConfirmAndLogInWithASecondFactor() throws Exception {
        hub.createUser("twofa");
        String session = hub.session("twofa", PASSWORD);
        Instant now = freshStep();

        HttpResponse<byte[]> enroll = hub.as(session, "POST", "/v2/auth/2fa/enroll", null);
        assertThat(enroll.statusCode()).as(HubTestServer.text(enroll)).isEqualTo(200);
        String secret = body(enroll).path("secret").asText();
        assertThat(body(enroll).path("otpauth_uri").asText()).startsWith("otpauth://totp/").contains(secret);

        HttpResponse<byte[]> wrong = hub.as(session, "POST", "/v2/auth/2fa/confirm", "{\"code\": \"000000\"}");
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(body(wrong).path("fields").has("code")).isTrue();

        String earlier = TOTP.code(secret, now.minusSeconds(Totp.STEP_SECONDS));
        HttpResponse<byte[]> confirm = hub.as(session, "POST", "/v2/auth/2fa/confirm", json(Map.of("code", earlier)));
        assertThat(confirm.statusCode()).as(HubTestServer.text(confirm)).isEqualTo(200);
        List<String> recovery = new ArrayList<>();
        body(confirm).path("recovery_codes").forEach(c -> recovery.add(c.asText()));
        assertThat(recovery).hasSize(10).doesNotHaveDuplicates();

        // The password alone now owes a second factor.
        HttpResponse<byte[]> first = beta(hub.login("twofa", PASSWORD));
        assertThat(first.statusCode()).isEqualTo(401);
        String twoFactorToken = body(first).path("login_2fa_token").asText();
        assertThat(twoFactorToken.split("\\.")).hasSize(3);
        assertThat(body(first).path("detail").asText()).isNotEmpty();
        assertThat(hub.send("GET", "/v2/access-tokens", null, "Authorization", "Bearer " + twoFactorToken)
                .statusCode()).as("the intermediate token is no session").isEqualTo(401);

        HttpResponse<byte[]> bad = beta(hub.send("POST", "/v2/users/2fa-login",
                json(Map.of("login_2fa_token", twoFactorToken, "code", "000000"))));
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(body(bad).path("detail").asText()).isEqualTo("Incorrect authentication credentials");

        String current = TOTP.code(secret, now);
        HttpResponse<byte[]> second = beta(hub.send("POST", "/v2/users/2fa-login",
                json(Map.of("login_2fa_token", twoFactorToken, "code", current))));
        assertThat(second.statusCode()).as(HubTestServer.text(second)).isEqualTo(200);
        String twoFactorSession = body(second).path("token").asText();
        assertThat(hub.as(twoFactorSession, "GET", "/v2/access-tokens", null).statusCode()).isEqualTo(200);

        HttpResponse<byte[]> replay = hub.send("POST", "/v2/users/2fa-login",
                json(Map.of("login_2fa_token", twoFactorToken, "code", current)));
        assertThat(replay.statusCode()).as("a code works once").isEqualTo(401);

        // A recovery code stands in for the TOTP code, once.
        String recoveryCode = recovery.get(0);
        assertThat(secondFactor(recoveryCode).statusCode()).isEqualTo(200);
        assertThat(secondFactor(recoveryCode).statusCode()).isEqualTo(401);
        assertThat(secondFactor(recovery.get(1).toUpperCase().replace("-", "")).statusCode())
                .as("case and dashes do not matter").isEqualTo(200);

        // New recovery codes replace the old ones; they need a TOTP code.
        String next = TOTP.code(secret, now.plusSeconds(Totp.STEP_SECONDS));
        HttpResponse<byte[]> regenerated = hub.as(twoFactorSession, "POST", "/v2/auth/2fa/recovery-codes",
                json(Map.of("code", next)));
        assertThat(regenerated.statusCode()).as(HubTestServer.text(regenerated)).isEqualTo(200);
        assertThat(body(regenerated).path("recovery_codes")).hasSize(10);
        assertThat(secondFactor(recovery.get(2)).statusCode()).as("old codes are gone").isEqualTo(401);

        // Turning it off with a fresh recovery code: the password alone logs in again.
        String fresh = body(regenerated).path("recovery_codes").path(0).asText();
        HttpResponse<byte[]> disable = hub.as(twoFactorSession, "POST", "/v2/auth/2fa/disable",
                json(Map.of("code", fresh)));
        assertThat(disable.statusCode()).as(HubTestServer.text(disable)).isEqualTo(204);
        assertThat(hub.login("twofa", PASSWORD).statusCode()).isEqualTo(200);
    }

    private HttpResponse<byte[]> secondFactor(String code) {
        HttpResponse<byte[]> first = hub.login("twofa", PASSWORD);
        assertThat(first.statusCode()).isEqualTo(401);
        JsonNode b = body(first);
        return beta(hub.send("POST", "/v2/users/2fa-login",
                json(Map.of("login_2fa_token", b.path("login_2fa_token").asText(), "code", code))));
    }

    @Test
    void enrollmentNeedsAPasswordSessionNotATokenSession() {
        hub.createUser("twofapat");
        String session = hub.session("twofapat", PASSWORD);
        HttpResponse<byte[]> created = hub.as(session, "POST", "/v2/access-tokens",
                json(Map.of("token_label", "ci", "scopes", List.of("repo:admin"))));
        assertThat(created.statusCode()).isEqualTo(201);
        String patSession = hub.session("twofapat", body(created).path("token").asText());

        HttpResponse<byte[]> refused = hub.as(patSession, "POST", "/v2/auth/2fa/enroll", null);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(body(refused).path("detail").asText()).contains("password login");
        assertThat(hub.send("POST", "/v2/auth/2fa/enroll", null).statusCode()).isEqualTo(401);
    }
}
