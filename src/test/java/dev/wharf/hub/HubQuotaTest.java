package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.ADMIN;
import static dev.wharf.hub.HubTestServer.ADMIN_PASSWORD;
import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.wharf.model.Digest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Wharf's quota endpoints and a push refused over HTTP, against an in-process server (SQLite). */
class HubQuotaTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass(b -> b.flags("--outbound-allow", "127.0.0.0/8"));
    static RegistryClient registry;
    static String admin;
    static HubTestServer.OrgCast cast;
    static HttpServer receiver;
    static final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        receiver.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            events.add(String.valueOf(exchange.getRequestHeaders().getFirst("X-Wharf-Event")));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        registry = new RegistryClient(hub);
        cast = hub.org("qorg", "q");
        admin = hub.session(ADMIN, ADMIN_PASSWORD);
        assertThat(registry.pushImage("qowner", PASSWORD, "qorg/app", "v1", "layer-1").statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() {
        receiver.stop(0);
    }

    @Test
    void adminsSetQuotasMembersReadThemAndAPushOverItIsDenied() throws Exception {
        String path = "/v2/namespaces/qorg/quota";
        JsonNode usage = body(hub.as(cast.member(), "GET", path, null));
        long used = usage.path("used_bytes").asLong();
        assertThat(used).as("config and layer of v1").isPositive();
        assertThat(usage.path("limit_bytes").isNull()).isTrue();
        assertThat(usage.path("repositories").asLong()).isEqualTo(1);
        assertThat(hub.as(cast.outsider(), "GET", path, null).statusCode()).isEqualTo(404);
        assertThat(hub.as(cast.owner(), "PUT", path, json(Map.of("limit_bytes", 1))).statusCode()).isEqualTo(403);
        HttpResponse<byte[]> bad = hub.as(admin, "PUT", path, json(Map.of("limit_bytes", -5)));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(text(bad)).contains("limit_bytes");

        // The namespace's hook for the warning.
        HttpResponse<byte[]> hook = hub.as(cast.owner(), "POST", "/v2/namespaces/qorg/webhook_pipeline", json(Map.of(
                "name", "quota", "events", List.of("quota.warning"), "webhooks", List.of(Map.of("hook_url",
                        "http://127.0.0.1:" + receiver.getAddress().getPort() + "/q")))));
        assertThat(hook.statusCode()).as(text(hook)).isEqualTo(201);

        HttpResponse<byte[]> set = hub.as(admin, "PUT", path, json(Map.of("limit_bytes", used + 10,
                "warn_percent", 50)));
        assertThat(set.statusCode()).as(text(set)).isEqualTo(200);
        assertThat(body(set).path("limit_bytes").asLong()).isEqualTo(used + 10);

        // A monolithic upload declaring 100 bytes is refused before its body is used.
        String token = registry.token("qowner", PASSWORD, "repository:qorg/app:pull,push");
        byte[] layer = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
        HttpResponse<byte[]> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                        hub.base + "/v2/qorg/app/blobs/uploads/?digest=" + Digest.sha256(layer)))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofByteArray(layer)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(refused.statusCode()).isEqualTo(403);
        JsonNode error = body(refused).path("errors").get(0);
        assertThat(error.path("code").asText()).isEqualTo("DENIED");
        assertThat(error.path("message").asText()).contains("storage quota exceeded", "qorg",
                used + " B", "ask a server administrator");
        assertThat(body(hub.as(cast.member(), "GET", path, null)).path("used_bytes").asLong()).isEqualTo(used);

        // The warning (usage over 50 %) was audited and sent to the namespace's hook, once.
        JsonNode audit = body(hub.as(cast.owner(), "GET", "/v2/auditlogs/qorg?action=namespace.quota.warning", null));
        assertThat(audit.toString()).contains("namespace.quota.warning");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!events.contains("quota.warning") && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(events).containsExactly("quota.warning");
        assertThat(body(hub.as(cast.member(), "GET", path, null)).path("warned_at").isNull()).isFalse();

        // Admin overview: namespaces by usage; administrators only.
        JsonNode overview = body(hub.as(admin, "GET", "/v2/admin/quotas", null));
        assertThat(overview.path("count").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(overview.path("results").findValuesAsText("namespace")).contains("qorg");
        long first = overview.path("results").get(0).path("used_bytes").asLong();
        for (JsonNode r : overview.path("results")) assertThat(r.path("used_bytes").asLong()).isLessThanOrEqualTo(first);
        for (JsonNode r : overview.path("results")) {
            if (r.path("namespace").asText().equals("qorg")) {
                assertThat(r.path("repositories").asLong()).as("the overview counts repositories too").isPositive();
            }
        }
        assertThat(hub.as(cast.owner(), "GET", "/v2/admin/quotas", null).statusCode()).isEqualTo(403);

        assertThat(hub.as(admin, "DELETE", path, null).statusCode()).isEqualTo(204);
        assertThat(registry.pushImage("qowner", PASSWORD, "qorg/app", "v2", "layer-2").statusCode()).isEqualTo(201);
    }

    @Test
    void ownersSetARetentionPolicyPreviewItAndRunIt() throws Exception {
        assertThat(registry.pushImage("qowner", PASSWORD, "qowner/keep", "old", "old-layer").statusCode()).isEqualTo(201);
        assertThat(registry.pushImage("qowner", PASSWORD, "qowner/keep", "older", "older-layer").statusCode())
                .isEqualTo(201);
        assertThat(registry.pushImage("qowner", PASSWORD, "qowner/keep", "new", "new-layer").statusCode()).isEqualTo(201);
        String path = "/v2/namespaces/qowner/repositories/keep/retention";
        assertThat(hub.as(cast.outsider(), "PUT", path, json(Map.of("keep_last", 1))).statusCode()).isEqualTo(404);
        assertThat(hub.as(cast.owner(), "PUT", path, json(Map.of())).statusCode()).isEqualTo(400);
        HttpResponse<byte[]> set = hub.as(cast.owner(), "PUT", path, json(Map.of("keep_last", 1)));
        assertThat(set.statusCode()).as(text(set)).isEqualTo(200);
        JsonNode preview = body(hub.as(cast.owner(), "POST", path + "/preview?page_size=1", null));
        assertThat(preview.path("count").asLong()).isEqualTo(2);
        assertThat(preview.path("repositories").get(0).path("candidate_count").asInt()).isEqualTo(2);
        assertThat(preview.path("results").size()).isEqualTo(1);
        assertThat(preview.path("next").asText()).contains("page=2", "page_size=1");
        JsonNode second = body(hub.as(cast.owner(), "POST", path + "/preview?page=2&page_size=1", null));
        assertThat(second.path("results").size()).isEqualTo(1);
        assertThat(second.has("next")).isFalse();
        assertThat(preview.path("results").get(0).path("tags").toString()
                + second.path("results").get(0).path("tags")).contains("\"old\"", "\"older\"");
        assertThat(second.path("results").get(0).path("repository").asText()).isEqualTo("qowner/keep");
        assertThat(second.path("results").get(0).path("warnings").toString())
                .as("just pushed: tagged and active, as delete-images would warn")
                .isEqualTo("[\"current_tag\",\"is_active\"]");
        assertThat(hub.as(cast.owner(), "POST", path + "/preview?page_size=0", null).statusCode()).isEqualTo(400);
        HttpResponse<byte[]> run = hub.as(cast.owner(), "POST", path + "/runs", null);
        assertThat(run.statusCode()).as(text(run)).isEqualTo(202);
        String id = body(run).path("run_id").asText();
        JsonNode status = null;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            status = body(hub.as(cast.owner(), "GET", path + "/runs/" + id, null));
            if (status.path("state").asText().equals("completed")) break;
            Thread.sleep(100);
        }
        assertThat(status.path("state").asText()).as(status.toString()).isEqualTo("completed");
        assertThat(status.path("result").path("images_deleted").asText()).isEqualTo("2");
        JsonNode runs = body(hub.as(cast.owner(), "GET", path + "/runs", null));
        assertThat(runs.path("count").asLong()).isEqualTo(1);
        assertThat(runs.path("results").get(0).path("run_id").asText()).isEqualTo(id);
        assertThat(runs.path("results").get(0).path("result").path("tags_deleted").asText()).isEqualTo("2");
        assertThat(hub.as(cast.outsider(), "GET", path + "/runs", null).statusCode()).isEqualTo(404);
        assertThat(hub.as(cast.owner(), "GET", "/v2/namespaces/qowner/repositories/keep/tags/old", null).statusCode())
                .isEqualTo(404);
        assertThat(hub.as(cast.owner(), "GET", "/v2/namespaces/qowner/repositories/keep/tags/new", null).statusCode())
                .isEqualTo(200);
    }
}
