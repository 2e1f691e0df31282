package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.webhooks.WebhookSignature;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Docker Hub's webhook_pipeline endpoints and Wharf's additions, against an in-process server (SQLite). */
class HubWebhookTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass(b -> b
            .flags("--outbound-allow", "127.0.0.0/8", "--webhooks-retry-initial", "200ms", "--webhooks-retry-max", "500ms"));
    static RegistryClient registry;
    static HubTestServer.OrgCast cast;
    static HttpServer receiver;
    static final List<Map<String, Object>> received = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        receiver.createContext("/", exchange -> {
            byte[] b = exchange.getRequestBody().readAllBytes();
            received.add(Map.of("event", String.valueOf(exchange.getRequestHeaders().getFirst("X-Wharf-Event")),
                    "signature", String.valueOf(exchange.getRequestHeaders().getFirst("X-Wharf-Signature")),
                    "body", b));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        registry = new RegistryClient(hub);
        cast = hub.org("whorg", "wh");
        assertThat(registry.pushImage("whowner", PASSWORD, "whorg/app", "v1", "layer-1").statusCode()).isEqualTo(201);
        // Public, so that members (and everyone) can see it without administering it.
        assertThat(hub.as(cast.owner(), "PATCH", "/v2/repositories/whorg/app/", json(Map.of("is_private", false)))
                .statusCode()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        receiver.stop(0);
    }

    private static String hookUrl() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/in";
    }

    @Test
    void repositoryPipelinesHaveDockerHubsShapeAndOnlyAdministratorsSeeThem() throws Exception {
        String path = "/v2/repositories/whorg/app/webhook_pipeline/";
        String create = json(Map.of("name", "Deploy Hook", "expect_final_callback", false,
                "webhooks", List.of(Map.of("name", "deploy", "hook_url", hookUrl())),
                "events", List.of("push", "tag.deleted", "image.deleted")));
        HttpResponse<byte[]> byMember = hub.as(cast.member(), "POST", path, create);
        assertThat(byMember.statusCode()).as(text(byMember)).isEqualTo(403);
        HttpResponse<byte[]> byOutsider = hub.as(cast.outsider(), "POST", path, create);
        assertThat(byOutsider.statusCode()).as(text(byOutsider)).isEqualTo(403);
        HttpResponse<byte[]> hidden = hub.as(cast.outsider(), "GET", "/v2/repositories/whorg/nothere/webhook_pipeline/", null);
        assertThat(hidden.statusCode()).as(text(hidden)).isEqualTo(404);

        HttpResponse<byte[]> created = hub.as(cast.owner(), "POST", path, create);
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        JsonNode pipeline = body(created);
        assertThat(pipeline.path("slug").asText()).isEqualTo("deploy-hook");
        assertThat(pipeline.path("name").asText()).isEqualTo("Deploy Hook");
        assertThat(pipeline.path("webhooks").get(0).path("hook_url").asText()).isEqualTo(hookUrl());
        String secret = pipeline.path("secret").asText();
        assertThat(secret).isNotBlank();

        HttpResponse<byte[]> again = hub.as(cast.owner(), "POST", path, create);
        assertThat(again.statusCode()).isEqualTo(409);

        JsonNode list = body(hub.as(cast.owner(), "GET", path, null));
        assertThat(list.path("count").asInt()).isEqualTo(1);
        assertThat(list.path("results").get(0).has("secret")).isFalse();
        assertThat(list.path("results").get(0).path("events").toString()).contains("tag.deleted");
        assertThat(hub.as(cast.owner(), "GET", "/v2/repositories/whorg/app/webhook_pipeline", null).statusCode())
                .isEqualTo(200);
        assertThat(hub.as(cast.member(), "GET", path, null).statusCode()).isEqualTo(403);
        assertThat(hub.as(cast.outsider(), "GET", path + "deploy-hook/", null).statusCode()).isEqualTo(403);

        // A push and a tag deletion reach the receiver, signed with the secret.
        received.clear();
        assertThat(registry.pushImage("whowner", PASSWORD, "whorg/app", "v2", "layer-2").statusCode()).isEqualTo(201);
        waitFor(() -> received.size() >= 1);
        Map<String, Object> push = received.get(0);
        assertThat(push.get("event")).isEqualTo("push");
        assertThat(WebhookSignature.verify(secret, (byte[]) push.get("body"), (String) push.get("signature"))).isTrue();
        JsonNode payload = HubTestServer.JSON.readTree((byte[]) push.get("body"));
        assertThat(payload.path("push_data").path("tag").asText()).isEqualTo("v2");
        assertThat(payload.path("push_data").path("pusher").asText()).isEqualTo("whowner");
        assertThat(payload.path("repository").path("repo_name").asText()).isEqualTo("whorg/app");

        // Deleting the image (the seed's delete-images, warnings acknowledged) sends Wharf's image.deleted event.
        String digest = payload.path("push_data").path("digest").asText();
        HttpResponse<byte[]> deleted = hub.as(cast.owner(), "POST", "/v2/namespaces/whorg/delete-images", json(Map.of(
                "manifests", List.of(Map.of("repository", "app", "digest", digest)),
                "ignore_warnings", List.of(
                        Map.of("repository", "app", "digest", digest, "warning", "is_active"),
                        Map.of("repository", "app", "digest", digest, "warning", "current_tag",
                                "tags", List.of("v2"))))));
        assertThat(deleted.statusCode()).as(text(deleted)).isEqualTo(200);
        waitFor(() -> received.stream().anyMatch(r -> "image.deleted".equals(r.get("event"))));
        byte[] eventBody = (byte[]) received.stream().filter(r -> "image.deleted".equals(r.get("event"))).findFirst()
                .orElseThrow().get("body");
        JsonNode event = HubTestServer.JSON.readTree(eventBody);
        assertThat(event.path("wharf_event_version").asInt()).isEqualTo(1);
        assertThat(event.path("repository").asText()).isEqualTo("whorg/app");
        assertThat(event.path("actor").asText()).isEqualTo("whowner");
        assertThat(event.path("data").path("digest").asText()).isEqualTo(digest);

        JsonNode deliveries = body(hub.as(cast.owner(), "GET", path + "deploy-hook/deliveries/", null));
        assertThat(deliveries.path("count").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(hub.as(cast.owner(), "DELETE", path + "deploy-hook/", null).statusCode()).isEqualTo(204);
        assertThat(hub.as(cast.owner(), "GET", path + "deploy-hook/", null).statusCode()).isEqualTo(404);
    }

    @Test
    void namespacePipelinesAreForOwnersAndRefuseForbiddenAddresses() {
        String path = "/v2/namespaces/whorg/webhook_pipeline";
        String create = json(Map.of("name", "all", "webhooks", List.of(Map.of("hook_url", hookUrl()))));
        assertThat(hub.as(cast.member(), "POST", path, create).statusCode()).isEqualTo(403);
        assertThat(hub.as(cast.outsider(), "POST", path, create).statusCode()).isEqualTo(404);
        assertThat(hub.as(cast.outsider(), "POST", "/v2/namespaces/whowner/webhook_pipeline", create).statusCode())
                .isEqualTo(404);
        // Link-local (the cloud metadata address) stays refused: the test policy only allows loopback.
        HttpResponse<byte[]> metadata = hub.as(cast.owner(), "POST", path, json(Map.of("name", "meta",
                "webhooks", List.of(Map.of("hook_url", "http://169.254.169.254/latest/")))));
        assertThat(metadata.statusCode()).as(text(metadata)).isEqualTo(400);
        assertThat(text(metadata)).contains("outbound");
        HttpResponse<byte[]> created = hub.as(cast.owner(), "POST", path, create);
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        assertThat(hub.as(cast.owner(), "DELETE", path + "/all", null).statusCode()).isEqualTo(204);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 20 s; received " + received.size());
            Thread.sleep(50);
        }
    }
}
