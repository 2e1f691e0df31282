package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.ADMIN;
import static dev.wharf.hub.HubTestServer.ADMIN_PASSWORD;
import static dev.wharf.hub.HubTestServer.beta;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class HubLoginTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();

    @Test
    void loginReturnsASessionThatAuthenticatesHubCalls() {
        HttpResponse<byte[]> r = beta(hub.login(ADMIN, ADMIN_PASSWORD));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith(
                "application/json"));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        String token = body(r).path("token").asText();
        assertThat(token.split("\\.")).hasSize(3);

        assertThat(beta(hub.as(token, "GET", "/v2/access-tokens", null)).statusCode()).isEqualTo(200);
        assertThat(hub.send("GET", "/v2/access-tokens", null, "Authorization", "JWT " + token).statusCode())
                .as("Docker Hub's older JWT scheme").isEqualTo(200);
    }

    @Test
    void wrongPasswordAndUnknownUserFailAlike() {
        HttpResponse<byte[]> wrong = beta(hub.login("hubloginwrong", "not-the-password"));
        hub.createUser("hubloginwrong");
        HttpResponse<byte[]> wrongPassword = beta(hub.login("hubloginwrong", "not-the-password"));
        for (HttpResponse<byte[]> r : java.util.List.of(wrong, wrongPassword)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(body(r).path("detail").asText()).isEqualTo("Incorrect authentication credentials");
            assertThat(body(r).has("login_2fa_token")).isFalse();
        }
    }

    @Test
    void badBodiesAre400WithFieldsNot500() {
        HttpResponse<byte[]> malformed = hub.send("POST", "/v2/users/login", "{\"username\": ");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(body(malformed).path("detail").asText()).isNotEmpty();
        assertThat(HubTestServer.text(malformed)).doesNotContain("Exception").doesNotContain("at dev.");

        assertThat(hub.send("POST", "/v2/users/login", "[1, 2]").statusCode()).isEqualTo(400);
        assertThat(hub.send("POST", "/v2/users/login", null).statusCode()).isEqualTo(400);

        HttpResponse<byte[]> types = hub.send("POST", "/v2/users/login", "{\"username\": 7, \"password\": [1]}");
        assertThat(types.statusCode()).isEqualTo(400);
        assertThat(body(types).path("fields").path("username").path(0).asText()).isEqualTo("Must be a string.");
        assertThat(body(types).path("fields").path("password").path(0).asText()).isEqualTo("Must be a string.");
        assertThat(body(types).path("text").asText()).contains("username").contains("password");

        HttpResponse<byte[]> missing = hub.send("POST", "/v2/users/login", "{\"username\": \"admin\"}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(body(missing).path("fields").path("password").path(0).asText())
                .isEqualTo("This field is required.");
    }

    @Test
    void hubEndpointsNeedASession() {
        HttpResponse<byte[]> none = beta(hub.send("GET", "/v2/access-tokens", null));
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(body(none).path("detail").asText()).isEqualTo("Authentication credentials were not provided.");

        HttpResponse<byte[]> bogus = beta(hub.send("GET", "/v2/access-tokens", null, "Authorization",
                "Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln"));
        assertThat(bogus.statusCode()).isEqualTo(401);
        assertThat(body(bogus).path("detail").asText()).isNotEmpty();
    }

    @Test
    void onlyTheExactHubRoutesAreTheHubs() {
        // Same prefix, other method or deeper path: the OCI registry answers, in its own error format.
        HttpResponse<byte[]> get = hub.send("GET", "/v2/users/login", null);
        assertThat(body(get).has("errors")).as(HubTestServer.text(get)).isTrue();
        HttpResponse<byte[]> manifest = hub.send("GET", "/v2/users/login/manifests/latest", null);
        assertThat(body(manifest).has("errors")).as(HubTestServer.text(manifest)).isTrue();
        assertThat(manifest.headers().firstValue("X-RateLimit-Limit")).isEmpty();
    }

    @Test
    void repeatedFailuresAreThrottledEvenForTheRightPassword(@TempDir Path own) {
        try (HubTestServer fresh = new HubTestServer(TestServer.builder(own).build())) {
            for (int i = 0; i < 6; i++) {
                assertThat(fresh.login(ADMIN, "wrong-" + i).statusCode()).isEqualTo(401);
            }
            HttpResponse<byte[]> locked = fresh.login(ADMIN, ADMIN_PASSWORD);
            assertThat(locked.statusCode()).isEqualTo(429);
            long retryAt = Long.parseLong(locked.headers().firstValue("X-Retry-After").orElseThrow());
            long now = System.currentTimeMillis() / 1000;
            assertThat(retryAt).isBetween(now, now + 5);
            assertThat(locked.headers().firstValue("Retry-After")).isPresent();
            assertThat(body(locked).path("detail").asText()).isNotEmpty();
        }
    }

    /** Issue 13 finding 9: six wrong passwords from six addresses used to lock the owner out everywhere. */
    @Test
    void wrongPasswordsFromManyAddressesDoNotLockTheOwnerOut(@TempDir Path own) {
        try (HubTestServer fresh = new HubTestServer(TestServer.builder(own)
                .flags("--http-trust-forwarded-for", "true").build())) {
            for (int i = 0; i < 30; i++) {
                HttpResponse<byte[]> wrong = fresh.send("POST", "/v2/users/login",
                        json(Map.of("username", ADMIN, "password", "wrong-" + i)), "X-Forwarded-For", "203.0.113." + i);
                assertThat(wrong.statusCode()).isIn(401, 429);
            }
            HttpResponse<byte[]> owner = fresh.send("POST", "/v2/users/login",
                    json(Map.of("username", ADMIN, "password", ADMIN_PASSWORD)), "X-Forwarded-For", "198.51.100.7");
            assertThat(owner.statusCode()).as(HubTestServer.text(owner)).isEqualTo(200);
            HttpResponse<byte[]> attacker = fresh.send("POST", "/v2/users/login",
                    json(Map.of("username", ADMIN, "password", ADMIN_PASSWORD)), "X-Forwarded-For", "203.0.113.1");
            assertThat(attacker.statusCode()).as("an address that failed is held by the account's cap")
                    .isEqualTo(429);
        }
    }

    @Test
    void secondFactorLoginRejectsForgedAndMissingTokens() {
        HttpResponse<byte[]> forged = beta(hub.send("POST", "/v2/users/2fa-login",
                json(Map.of("login_2fa_token", "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", "code", "123456"))));
        assertThat(forged.statusCode()).isEqualTo(401);
        HttpResponse<byte[]> missing = hub.send("POST", "/v2/users/2fa-login", "{\"code\": 123456}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(body(missing).path("fields").has("login_2fa_token")).isTrue();
        // issue 19: the contract types code as a string; a number is a 400 on the field, not a silent conversion
        assertThat(body(missing).path("fields").has("code")).as("a numeric code is refused").isTrue();
        HttpResponse<byte[]> numeric = hub.send("POST", "/v2/users/2fa-login",
                "{\"login_2fa_token\": \"x\", \"code\": 123456}");
        assertThat(numeric.statusCode()).isEqualTo(400);
        assertThat(body(numeric).path("fields").path("code").path(0).asText()).isNotEmpty();
        for (String notAString : List.of("true", "null", "[\"123456\"]", "{\"c\": 1}", "12.5")) {
            assertThat(hub.send("POST", "/v2/users/2fa-login",
                    "{\"login_2fa_token\": \"x\", \"code\": " + notAString + "}").statusCode())
                    .as(notAString).isEqualTo(400);
        }
    }
}
