package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.it.support.HookReceiver;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import dev.wharf.webhooks.WebhookSignature;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Webhooks end to end on one node: skopeo pushes, a real HTTP receiver on loopback (allowed by the test's
 * outbound policy), deliveries through the persistent job queue. Two-node behaviour is in WebhooksMultiNodeIT.
 */
// Alone: it compares the wall-clock time of pushes with and without a hanging receiver, and a test running beside
// it would make one of the two slower for reasons of its own.
@Isolated
class WebhooksIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path work;
    static WharfProcess wharf;
    static String session;

    @BeforeAll
    static void start() throws Exception {
        wharf = WharfProcess.start(Files.createDirectory(work.resolve("data")), Map.of(
                "WHARF_OUTBOUND_ALLOW", "127.0.0.0/8",
                "WHARF_WEBHOOKS_RETRY_INITIAL", "300ms",
                "WHARF_WEBHOOKS_RETRY_MAX", "1s",
                "WHARF_WEBHOOKS_TIMEOUT", "5s"));
        session = login(wharf, "admin", WharfProcess.ADMIN.password());
    }

    @AfterAll
    static void stop() {
        if (wharf != null) wharf.close();
    }

    @Test
    void skopeoPushDeliversOneSignedDockerHubPayload() throws Exception {
        try (HookReceiver receiver = new HookReceiver().start()) {
            JsonNode hook = createNamespaceHook("admin", "ci", receiver.url("/hook"));
            String secret = hook.path("secret").asText();
            assertThat(secret).startsWith("whs_");

            Path layout = work.resolve("signed");
            OciLayouts.image(layout, "1.0", 11, 50_000);
            Skopeo.copy(oci(layout, "1.0"), docker(wharf, "admin/signed:1.0"));

            waitFor(Duration.ofSeconds(20), () -> !receiver.received().isEmpty());
            Thread.sleep(1500); // room for a wrong second delivery to show up
            List<HookReceiver.Received> got = receiver.received();
            assertThat(got).hasSize(1);
            HookReceiver.Received r = got.get(0);
            assertThat(r.event()).isEqualTo("push");
            assertThat(r.deliveryId()).isNotBlank();
            assertThat(WebhookSignature.verify(secret, r.body(), r.signature())).as(r.signature()).isTrue();
            assertThat(WebhookSignature.verify("another secret", r.body(), r.signature())).isFalse();
            JsonNode payload = JSON.readTree(r.body());
            assertThat(payload.path("callback_url").asText()).startsWith("http");
            assertThat(payload.path("push_data").path("tag").asText()).isEqualTo("1.0");
            assertThat(payload.path("push_data").path("pusher").asText()).isEqualTo("admin");
            assertThat(payload.path("push_data").path("pushed_at").isIntegralNumber()).isTrue();
            JsonNode repo = payload.path("repository");
            assertThat(repo.path("repo_name").asText()).isEqualTo("admin/signed");
            assertThat(repo.path("namespace").asText()).isEqualTo("admin");
            assertThat(repo.path("name").asText()).isEqualTo("signed");
            assertThat(repo.path("is_private").isBoolean()).isTrue();
            assertThat(repo.path("status").asText()).isEqualTo("Active");

            JsonNode log = deliveries("/v2/namespaces/admin/webhook_pipeline/ci");
            assertThat(log.path("count").asInt()).isEqualTo(1);
            JsonNode delivery = log.path("results").get(0);
            assertThat(delivery.path("id").asText()).isEqualTo(r.deliveryId());
            assertThat(delivery.path("state").asText()).isEqualTo("delivered");
            assertThat(delivery.path("log").get(0).path("status").asInt()).isEqualTo(200);
            deletePipeline("/v2/namespaces/admin/webhook_pipeline/ci");
        }
    }

    @Test
    void aReceiverThatWasDownGetsTheEventOnceItIsBack() throws Exception {
        HookReceiver receiver = new HookReceiver(); // not started: connections are refused
        try {
            createNamespaceHook("admin", "down", receiver.url("/down"));
            Path layout = work.resolve("down");
            OciLayouts.image(layout, "v1", 12, 30_000);
            Skopeo.copy(oci(layout, "v1"), docker(wharf, "admin/downtime:v1"));

            String path = "/v2/namespaces/admin/webhook_pipeline/down";
            waitFor(Duration.ofSeconds(20), () -> deliveries(path).path("results").path(0).path("log").size() >= 2);
            JsonNode failing = deliveries(path).path("results").get(0);
            assertThat(failing.path("state").asText()).isEqualTo("pending");
            assertThat(failing.path("log").get(0).path("error").asText()).endsWith("connection refused");
            assertThat(failing.path("log").get(0).path("status").isNull()).isTrue();

            receiver.start();
            waitFor(Duration.ofSeconds(20), () -> !receiver.received().isEmpty());
            Thread.sleep(2500); // several back-off periods: a duplicate would arrive in this time
            assertThat(receiver.received()).hasSize(1);
            assertThat(receiver.received().get(0).deliveryId()).isEqualTo(failing.path("id").asText());
            waitFor(Duration.ofSeconds(10), () -> deliveries(path).path("results").get(0).path("state").asText()
                    .equals("delivered"));

            // Redelivery by hand: the same body under a new delivery id.
            HttpResponse<String> again = send("POST", path + "/deliveries/" + failing.path("id").asText()
                    + "/redeliver", null);
            assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
            waitFor(Duration.ofSeconds(20), () -> receiver.received().size() == 2);
            assertThat(receiver.received().get(1).deliveryId()).isEqualTo(JSON.readTree(again.body()).path("id")
                    .asText()).isNotEqualTo(failing.path("id").asText());
            assertThat(receiver.received().get(1).body()).isEqualTo(receiver.received().get(0).body());
            deletePipeline(path);
        } finally {
            receiver.close();
        }
    }

    @Test
    void aHangingReceiverDoesNotSlowPushes() throws Exception {
        Path layout = work.resolve("latency");
        List<String> tags = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tags.add("t" + i);
            OciLayouts.image(layout, "t" + i, 100 + i, 40_000);
        }
        // Without hooks: the namespace "admin" has none once the other tests deleted theirs; use a repository
        // of its own to be sure.
        long without = pushAll(layout, tags, "admin/quiet");
        try (HookReceiver receiver = new HookReceiver().start()) {
            receiver.mode(HookReceiver.Mode.HANG);
            createNamespaceHook("admin", "hang", receiver.url("/hang"));
            long with = pushAll(layout, tags, "admin/loud");
            System.out.printf("[WebhooksIT] 4 skopeo pushes: %d ms without hooks, %d ms with a hanging receiver%n",
                    without, with);
            waitFor(Duration.ofSeconds(20), () -> !receiver.received().isEmpty());
            // Every push finished while its delivery was still held by the receiver.
            assertThat(with).isLessThan(without * 2 + 3000);
            deletePipeline("/v2/namespaces/admin/webhook_pipeline/hang");
        }
    }

    @Test
    void onlyAdministratorsSeeHooksAndBadInputIsA400() throws Exception {
        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                + "/v2/namespaces/admin/webhook_pipeline")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> bad = send("POST", "/v2/namespaces/admin/webhook_pipeline",
                "{\"name\":\"x\",\"webhooks\":[{\"name\":\"x\",\"hook_url\":\"ftp://example.com/\"}]}");
        assertThat(bad.statusCode()).as(bad.body()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("message").asText()).contains("http");
        HttpResponse<String> event = send("POST", "/v2/namespaces/admin/webhook_pipeline",
                "{\"name\":\"x\",\"events\":[\"bogus\"],\"webhooks\":[{\"hook_url\":\"http://127.0.0.1:9/\"}]}");
        assertThat(event.statusCode()).as(event.body()).isEqualTo(400);
        HttpResponse<String> notJson = send("POST", "/v2/namespaces/admin/webhook_pipeline", "{");
        assertThat(notJson.statusCode()).isEqualTo(400);
        HttpResponse<String> missing = send("GET", "/v2/namespaces/admin/webhook_pipeline/nope", null);
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    private static long pushAll(Path layout, List<String> tags, String repository) {
        long t0 = System.nanoTime();
        for (String tag : tags) Skopeo.copy(oci(layout, tag), docker(wharf, repository + ":" + tag));
        return (System.nanoTime() - t0) / 1_000_000;
    }

    static JsonNode createNamespaceHook(String namespace, String name, String url) throws Exception {
        HttpResponse<String> r = send("POST", "/v2/namespaces/" + namespace + "/webhook_pipeline/",
                JSON.writeValueAsString(Map.of("name", name, "webhooks", List.of(Map.of("name", name,
                        "hook_url", url)))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body());
    }

    static JsonNode deliveries(String pipelinePath) {
        try {
            HttpResponse<String> r = send("GET", pipelinePath + "/deliveries", null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void deletePipeline(String path) throws Exception {
        assertThat(send("DELETE", path + "/", null).statusCode()).isEqualTo(204);
    }

    static HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(wharf, session, method, path, body);
    }

    static HttpResponse<String> send(WharfProcess node, String token, String method, String path, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + node.host() + path))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String login(WharfProcess node, String user, String password) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + node.host()
                        + "/v2/users/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("username", user,
                        "password", password)))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("token").asText();
    }

    static void waitFor(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within " + limit);
            Thread.sleep(100);
        }
    }
}
