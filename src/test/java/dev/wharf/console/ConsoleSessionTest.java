package dev.wharf.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.testing.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console over real HTTP: its files and headers at {@code /}, the APIs keeping their paths, the cookie
 * session, and CSRF refusals of cookie-authenticated changes on the Hub and Cycle APIs.
 */
class ConsoleSessionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path dataDir;
    static TestServer wharf;
    static String base;

    @BeforeAll
    static void start() {
        wharf = TestServer.builder(dataDir).build();
        base = wharf.base;
    }

    @AfterAll
    static void stop() {
        wharf.close();
    }

    @Test
    void pageAndAssetsCarryTheSecurityHeaders() {
        for (String path : List.of("/", "/repositories/admin/app", "/tokens", "/assets/app.js",
                "/assets/console.css")) {
            HttpResponse<String> r = send("GET", path, null);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(csp).contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        }
        assertThat(send("GET", "/repositories/admin/app", null).body()).contains("<script type=\"module\"");
        assertThat(send("GET", "/assets/app.js", null).headers().firstValue("Content-Type").orElseThrow())
                .startsWith("text/javascript");
        assertThat(send("GET", "/assets/../pom.xml", null).statusCode()).isEqualTo(404);
        assertThat(send("GET", "/assets/nothing.js", null).statusCode()).isEqualTo(404);
    }

    @Test
    void apisKeepTheirPathsAndErrorFormats() {
        HttpResponse<String> registry = send("GET", "/v2/", null);
        assertThat(registry.statusCode()).isEqualTo(401);
        assertThat(registry.headers().firstValue("WWW-Authenticate")).isPresent();
        HttpResponse<String> cycle = send("GET", "/v1/nothing-here", null);
        assertThat(cycle.statusCode()).isEqualTo(404);
        assertThat(json(cycle).path("error").path("code").asText()).isEqualTo("404.uri");
        assertThat(send("GET", "/healthz", null).statusCode()).isEqualTo(200);
        HttpResponse<String> consoleApi = send("GET", "/console/api/nothing", null);
        assertThat(consoleApi.statusCode()).isEqualTo(404);
        assertThat(json(consoleApi).path("detail").isTextual()).isTrue();
        assertThat(send("GET", "/token", null).body()).doesNotContain("<html");
    }

    @Test
    void signInSetsAStrictHttpOnlyCookieAndSecureBehindTls() {
        HttpResponse<String> plain = signIn();
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        String cookie = plain.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("wharf_session=").contains("HttpOnly", "SameSite=Strict", "Path=/")
                .doesNotContain("Secure");
        assertThat(json(plain).path("csrf_token").asText()).isNotBlank();
        assertThat(plain.body()).doesNotContain(sessionOf(plain));
        assertThat(plain.headers().firstValue("Cache-Control")).hasValue("no-store");

        HttpResponse<String> tls = send("POST", "/console/api/session", credentials(), "X-Forwarded-Proto", "https");
        assertThat(tls.headers().firstValue("Set-Cookie").orElseThrow()).contains("; Secure");

        HttpResponse<String> wrong = send("POST", "/console/api/session",
                "{\"username\":\"admin\",\"password\":\"not-it\"}");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void signInRefusesOtherOriginsAndNonJsonBodies() {
        assertThat(send("POST", "/console/api/session", credentials(), "Origin", "https://evil.example")
                .statusCode()).isEqualTo(403);
        HttpResponse<String> form = send("POST", "/console/api/session", credentials(), "Content-Type",
                "text/plain");
        assertThat(form.statusCode()).isEqualTo(400);
        assertThat(form.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void cookieAuthenticatedChangesNeedTheCsrfHeader() {
        HttpResponse<String> signedIn = signIn();
        String cookie = "wharf_session=" + sessionOf(signedIn);
        String csrf = json(signedIn).path("csrf_token").asText();
        String token = "{\"token_label\":\"from-console\",\"scopes\":[\"repo:read\"]}";

        HttpResponse<String> read = send("GET", "/v2/access-tokens", null, "Cookie", cookie);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        HttpResponse<String> session = send("GET", "/console/api/session", null, "Cookie", cookie);
        assertThat(json(session).path("username").asText()).isEqualTo("admin");
        assertThat(json(session).path("csrf_token").asText()).isEqualTo(csrf);

        HttpResponse<String> noHeader = send("POST", "/v2/access-tokens", token, "Cookie", cookie);
        assertThat(noHeader.statusCode()).isEqualTo(403);
        assertThat(json(noHeader).path("detail").asText()).contains("X-CSRF-Token");
        HttpResponse<String> wrongHeader = send("POST", "/v2/access-tokens", token, "Cookie", cookie,
                "X-CSRF-Token", csrf.substring(1) + "A");
        assertThat(wrongHeader.statusCode()).isEqualTo(403);
        HttpResponse<String> ok = send("POST", "/v2/access-tokens", token, "Cookie", cookie, "X-CSRF-Token", csrf);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);

        String source = "{\"name\":\"x\",\"type\":\"direct\",\"origin\":{\"type\":\"docker-hub\",\"details\":{\"target\":\"alpine\"}}}";
        HttpResponse<String> cycle = send("POST", "/v1/images/sources", source, "Cookie", cookie,
                "X-Hub-Id", "admin");
        assertThat(cycle.statusCode()).isEqualTo(403);
        assertThat(json(cycle).path("error").path("code").asText()).isEqualTo("403.permissions");
        assertThat(json(cycle).path("data").isNull()).isTrue();
        HttpResponse<String> cycleOk = send("POST", "/v1/images/sources", source, "Cookie", cookie,
                "X-Hub-Id", "admin", "X-CSRF-Token", csrf);
        assertThat(cycleOk.statusCode()).as(cycleOk.body()).isEqualTo(201);

        HttpResponse<String> signOutWithout = send("DELETE", "/console/api/session", null, "Cookie", cookie);
        assertThat(signOutWithout.statusCode()).isEqualTo(403);
        HttpResponse<String> signOut = send("DELETE", "/console/api/session", null, "Cookie", cookie,
                "X-CSRF-Token", csrf);
        assertThat(signOut.statusCode()).isEqualTo(204);
        assertThat(signOut.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("wharf_session=;")
                .contains("Max-Age=0");
    }

    /** Issue 13 finding 7: sign-out used to clear the cookie only; a copy of it kept working for 8 hours. */
    @Test
    void signOutRevokesTheSessionNotJustTheCookie() {
        HttpResponse<String> signedIn = signIn();
        String session = sessionOf(signedIn);
        String cookie = "wharf_session=" + session;
        String csrf = json(signedIn).path("csrf_token").asText();
        assertThat(send("GET", "/v2/access-tokens", null, "Cookie", cookie).statusCode()).isEqualTo(200);
        assertThat(send("DELETE", "/console/api/session", null, "Cookie", cookie, "X-CSRF-Token", csrf)
                .statusCode()).isEqualTo(204);
        assertThat(send("GET", "/v2/access-tokens", null, "Cookie", cookie).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/v2/access-tokens", null, "Authorization", "Bearer " + session).statusCode())
                .isEqualTo(401);
        assertThat(send("GET", "/console/api/session", null, "Cookie", cookie).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/v1/images/sources", null, "Cookie", cookie, "X-Hub-Id", "admin").statusCode())
                .isEqualTo(401);
    }

    @Test
    void aBearerHeaderWinsOverTheCookieAndNeedsNoCsrf() {
        String session = sessionOf(signIn());
        HttpResponse<String> r = send("POST", "/v2/access-tokens",
                "{\"token_label\":\"scripted\",\"scopes\":[\"repo:read\"]}", "Authorization", "Bearer " + session,
                "Cookie", "wharf_session=garbage");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    /** The console is one more door to the same session: a token's sign-in keeps the token's scope (docs/scopes.md). */
    @Test
    void aConsoleSignInWithAReadTokenReadsButChangesNothing() {
        String admin = sessionOf(signIn());
        HttpResponse<String> created = send("POST", "/v2/access-tokens",
                "{\"token_label\":\"console-read\",\"scopes\":[\"repo:read\"]}", "Authorization", "Bearer " + admin);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        HttpResponse<String> signedIn = send("POST", "/console/api/session", "{\"username\":\"admin\",\"password\":\""
                + json(created).path("token").asText() + "\"}");
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
        assertThat(json(signedIn).path("kind").asText()).isEqualTo("personal_access_token");
        assertThat(json(signedIn).path("scope").asText()).isEqualTo("repo:read");
        String cookie = "wharf_session=" + sessionOf(signedIn);
        String csrf = json(signedIn).path("csrf_token").asText();

        assertThat(send("GET", "/v1/images/sources", null, "Cookie", cookie, "X-Hub-Id", "admin").statusCode())
                .isEqualTo(200);
        String source = "{\"name\":\"y\",\"type\":\"direct\",\"origin\":{\"type\":\"docker-hub\",\"details\":{\"target\":\"alpine\"}}}";
        HttpResponse<String> cycle = send("POST", "/v1/images/sources", source, "Cookie", cookie, "X-Hub-Id", "admin",
                "X-CSRF-Token", csrf);
        assertThat(cycle.statusCode()).as(cycle.body()).isEqualTo(403);
        assertThat(json(cycle).path("error").path("code").asText()).isEqualTo("403.permissions");
        HttpResponse<String> badges = send("PUT", "/v2/namespaces/admin/badges", "{\"official\":true}", "Cookie",
                cookie, "X-CSRF-Token", csrf);
        assertThat(badges.statusCode()).as(badges.body()).isEqualTo(403);
        assertThat(json(badges).path("detail").asText()).contains("repo:read");
        assertThat(json(send("GET", "/v2/namespaces/admin/badges", null, "Cookie", cookie)).path("official")
                .asBoolean()).isFalse();
    }

    @Test
    void pullsPerDayListsEveryDay() {
        String cookie = "wharf_session=" + sessionOf(signIn());
        HttpResponse<String> missing = send("GET", "/v2/namespaces/admin/repositories/none/pulls-per-day", null,
                "Cookie", cookie);
        assertThat(missing.statusCode()).isEqualTo(404);
        HttpResponse<String> bad = send("GET", "/v2/namespaces/admin/repositories/none/pulls-per-day?days=0",
                null, "Cookie", cookie);
        assertThat(bad.statusCode()).isEqualTo(400);
    }

    private static HttpResponse<String> signIn() {
        return send("POST", "/console/api/session", credentials());
    }

    private static String credentials() {
        return "{\"username\":\"admin\",\"password\":\"" + TestServer.ADMIN_PASSWORD + "\"}";
    }

    private static String sessionOf(HttpResponse<String> signIn) {
        String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        return cookie.substring("wharf_session=".length(), cookie.indexOf(';'));
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    private static HttpResponse<String> send(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (body != null && !typed) b.header("Content-Type", "application/json");
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path, e);
        }
    }
}
