package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.ADMIN;
import static dev.wharf.hub.HubTestServer.ADMIN_PASSWORD;
import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.wharf.auth.Totp;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Everything a node logs while secrets pass through the Hub API, at debug level, is free of those secrets. */
class HubSecretsInLogsTest {

    @Test
    void noSecretReachesTheLog(@TempDir Path dir) throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger wharf = (Logger) LoggerFactory.getLogger("dev.wharf");
        Logger access = (Logger) LoggerFactory.getLogger("wharf.access");
        Level wharfLevel = wharf.getLevel();
        Level accessLevel = access.getLevel();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        wharf.setLevel(Level.DEBUG);
        access.setLevel(Level.INFO);
        List<String> secrets = new ArrayList<>(List.of(ADMIN_PASSWORD, PASSWORD, "Wr0ng-guess-for-logs"));
        try (HubTestServer hub = new HubTestServer(TestServer.builder(dir).flags("--log-access", "true").build())) {
            String adminSession = body(hub.login(ADMIN, ADMIN_PASSWORD)).path("token").asText();
            secrets.add(adminSession);
            assertThat(hub.login(ADMIN, "Wr0ng-guess-for-logs").statusCode()).isEqualTo(401);
            assertThat(hub.send("POST", "/v2/users/login", "{\"username\":\"admin\",\"password\":\"" + ADMIN_PASSWORD)
                    .statusCode()).isEqualTo(400);

            HttpResponse<byte[]> pat = hub.as(adminSession, "POST", "/v2/access-tokens",
                    json(Map.of("token_label", "logs", "scopes", List.of("repo:read"))));
            String patSecret = body(pat).path("token").asText();
            secrets.add(patSecret);
            secrets.add(body(hub.login(ADMIN, patSecret)).path("token").asText());
            assertThat(hub.login(ADMIN, patSecret + "x").statusCode()).isEqualTo(401);

            hub.createUser("logs2fa");
            String session = hub.session("logs2fa", PASSWORD);
            secrets.add(session);
            Instant now = HubTwoFactorTest.freshStep();
            String totpSecret = body(hub.as(session, "POST", "/v2/auth/2fa/enroll", null)).path("secret").asText();
            secrets.add(totpSecret);
            Totp totp = new Totp();
            HttpResponse<byte[]> confirm = hub.as(session, "POST", "/v2/auth/2fa/confirm",
                    json(Map.of("code", totp.code(totpSecret, now.minusSeconds(Totp.STEP_SECONDS)))));
            body(confirm).path("recovery_codes").forEach(c -> secrets.add(c.asText()));
            String twoFactorToken = body(hub.login("logs2fa", PASSWORD)).path("login_2fa_token").asText();
            secrets.add(twoFactorToken);
            HttpResponse<byte[]> second = hub.send("POST", "/v2/users/2fa-login",
                    json(Map.of("login_2fa_token", twoFactorToken, "code", totp.code(totpSecret, now))));
            assertThat(second.statusCode()).isEqualTo(200);
            secrets.add(body(second).path("token").asText());
        } finally {
            root.detachAppender(captured);
            wharf.setLevel(wharfLevel);
            access.setLevel(accessLevel);
        }

        assertThat(secrets).hasSizeGreaterThan(15).doesNotContain("");
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : captured.list) {
            lines.add(e.getFormattedMessage());
            if (e.getThrowableProxy() != null) lines.add(ThrowableProxyUtil.asString(e.getThrowableProxy()));
        }
        assertThat(lines).as("the access log was captured").anyMatch(l -> l.contains("/v2/users/login"));
        for (String line : lines) {
            for (String secret : secrets) {
                assertThat(line).as("a secret in the log").doesNotContain(secret);
            }
        }
    }
}
