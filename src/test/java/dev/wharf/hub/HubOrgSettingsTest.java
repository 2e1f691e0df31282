package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.ADMIN;
import static dev.wharf.hub.HubTestServer.ADMIN_PASSWORD;
import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.beta;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HubOrgSettingsTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();
    static RegistryClient registry;
    static HubTestServer.OrgCast cast;
    static String admin;

    @BeforeAll
    static void start() {
        registry = new RegistryClient(hub);
        cast = hub.org("sorg", "s");
        admin = hub.session(ADMIN, ADMIN_PASSWORD);
        publish("sowner", "sorg/app");
        for (String ns : new String[] {"offpub", "vpub", "random"}) {
            hub.createUser(ns);
            publish(ns, ns + "/img");
        }
    }

    /** Pushes {@code repo:1} as {@code user} and makes it public. */
    private static void publish(String user, String repo) {
        assertThat(registry.pushImage(user, PASSWORD, repo, "1", "layer-" + repo).statusCode()).isEqualTo(201);
        String session = hub.session(user, PASSWORD);
        HttpResponse<byte[]> r = hub.as(session, "PATCH", "/v2/repositories/" + repo + "/",
                json(Map.of("is_private", false)));
        assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
    }

    private static int pull(String user, String repo) {
        String token = registry.token(user, PASSWORD, "repository:" + repo + ":pull");
        return registry.pullManifest(token, repo, "1").statusCode();
    }

    private static HttpResponse<byte[]> put(String session, Object settings) {
        return beta(hub.as(session, "PUT", "/v2/orgs/sorg/settings", json(settings)));
    }

    private static Map<String, Object> restricted(boolean enabled, boolean official, boolean verified) {
        return Map.of("restricted_images", Map.of("enabled", enabled, "allow_official_images", official,
                "allow_verified_publishers", verified));
    }

    @Test
    void restrictedImagesLimitWhatMembersPull() {
        assertThat(pull("smember", "random/img")).isEqualTo(200);

        HttpResponse<byte[]> read = beta(hub.as(cast.member(), "GET", "/v2/orgs/sorg/settings", null));
        assertThat(read.statusCode()).as(text(read)).isEqualTo(200);
        assertThat(body(read).path("restricted_images").path("enabled").asBoolean()).isFalse();
        assertThat(put(cast.member(), restricted(true, true, true)).statusCode()).isEqualTo(403);
        assertThat(beta(hub.as(cast.outsider(), "GET", "/v2/orgs/sorg/settings", null)).statusCode()).isEqualTo(404);
        assertThat(put(cast.owner(), Map.of("restricted_images", Map.of("enabled", true))).statusCode()).isEqualTo(400);
        assertThat(put(cast.owner(), Map.of()).statusCode()).isEqualTo(400);

        HttpResponse<byte[]> on = put(cast.owner(), restricted(true, true, false));
        assertThat(on.statusCode()).as(text(on)).isEqualTo(200);
        assertThat(body(on).path("restricted_images").path("allow_verified_publishers").asBoolean()).isFalse();

        assertThat(hub.as(cast.owner(), "PUT", "/v2/namespaces/offpub/badges", json(Map.of("official", true)))
                .statusCode()).isEqualTo(403);
        HttpResponse<byte[]> badge = hub.as(admin, "PUT", "/v2/namespaces/offpub/badges",
                json(Map.of("official", true)));
        assertThat(badge.statusCode()).as(text(badge)).isEqualTo(200);
        assertThat(body(badge).path("official").asBoolean()).isTrue();
        assertThat(hub.as(admin, "PUT", "/v2/namespaces/vpub/badges", json(Map.of("verified_publisher", true)))
                .statusCode()).isEqualTo(200);
        assertThat(hub.as(admin, "PUT", "/v2/namespaces/nosuchns/badges", json(Map.of("official", true)))
                .statusCode()).isEqualTo(404);
        assertThat(hub.as(admin, "PUT", "/v2/namespaces/vpub/badges", json(Map.of("official", "yes")))
                .statusCode()).isEqualTo(400);
        assertThat(body(hub.as(admin, "GET", "/v2/namespaces/vpub/badges", null)).path("verified_publisher")
                .asBoolean()).isTrue();

        String token = registry.token("smember", PASSWORD, "repository:random/img:pull");
        HttpResponse<byte[]> denied = registry.pullManifest(token, "random/img", "1");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(body(denied).path("errors").path(0).path("code").asText()).isEqualTo("DENIED");
        assertThat(body(denied).path("errors").path(0).path("message").asText())
                .contains("organization sorg restricts");
        assertThat(pull("smember", "vpub/img")).as("verified publishers not allowed").isEqualTo(403);
        assertThat(pull("smember", "offpub/img")).as("official images allowed").isEqualTo(200);
        assertThat(pull("smember", "sorg/app")).as("the organization's own images").isEqualTo(200);
        assertThat(pull("soutsider", "random/img")).as("not a member: not restricted").isEqualTo(200);

        HttpResponse<byte[]> log = hub.as(cast.owner(), "GET", "/v2/auditlogs/sorg?action=org.settings.change", null);
        assertThat(body(log).path("logs")).isNotEmpty();

        assertThat(put(cast.owner(), restricted(false, true, true)).statusCode()).isEqualTo(200);
        assertThat(pull("smember", "random/img")).isEqualTo(200);
    }
}
