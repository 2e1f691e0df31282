package dev.wharf.it;

import static dev.wharf.it.WebhooksIT.JSON;
import static dev.wharf.it.WebhooksIT.waitFor;
import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.it.support.HookReceiver;
import dev.wharf.it.support.ItResources;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Webhook delivery from several nodes on one PostgreSQL database: node A takes the pushes and the Hub API calls
 * and delivers nothing; B and C deliver. Every delivery goes out once (the job lease), never twice at the same
 * time. Then B and C stop and D, whose outbound policy keeps the default (loopback refused), delivers: the hook
 * A accepted is refused at delivery time, on D's resolved address check.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ResourceLock(ItResources.POSTGRESQL_CLUSTER)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhooksMultiNodeIT {
    private static final String DB_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String DB_USER = "postgres";

    @TempDir
    static Path work;
    private final String schema = "wh_it_" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
    private final List<WharfProcess> nodes = new ArrayList<>();
    private final Map<String, String> common = new HashMap<>();
    private WharfProcess a;
    private WharfProcess b;
    private WharfProcess c;
    private String session;
    private boolean schemaUsed;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(postgresAnswers(), "PostgreSQL does not answer on " + DB_URL);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        common.putAll(Map.of("WHARF_DB_URL", DB_URL, "WHARF_DB_USER", DB_USER, "WHARF_DB_SCHEMA", schema,
                "WHARF_SECRET_KEY", Base64.getEncoder().encodeToString(key),
                "WHARF_WEBHOOKS_RETRY_INITIAL", "300ms", "WHARF_WEBHOOKS_RETRY_MAX", "1s", "WHARF_GC_ENABLED", "false"));
        schemaUsed = true;
        a = node("a", Map.of("WHARF_WEBHOOKS_DELIVER", "false", "WHARF_OUTBOUND_ALLOW", "127.0.0.0/8"));
        b = node("b", Map.of("WHARF_OUTBOUND_ALLOW", "127.0.0.0/8"));
        c = node("c", Map.of("WHARF_OUTBOUND_ALLOW", "127.0.0.0/8"));
        session = WebhooksIT.login(a, "admin", WharfProcess.ADMIN.password());
    }

    private WharfProcess node(String name, Map<String, String> env) throws Exception {
        Map<String, String> all = new HashMap<>(common);
        all.putAll(env);
        WharfProcess node = WharfProcess.start(Files.createDirectory(work.resolve(name)), all);
        nodes.add(node);
        return node;
    }

    @AfterAll
    void stop() throws Exception {
        nodes.forEach(WharfProcess::close);
        if (schemaUsed) {
            try (Connection db = DriverManager.getConnection(DB_URL, DB_USER, null);
                    Statement s = db.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        }
    }

    @Test
    @Order(1)
    void twoDeliveringNodesSendEachDeliveryOnce() throws Exception {
        try (HookReceiver receiver = new HookReceiver().start()) {
            receiver.delay(Duration.ofMillis(300)); // a slow receiver widens any window for a double send
            create("fanout", receiver.url("/fanout"));
            Path layout = work.resolve("fanout");
            int tags = 8;
            for (int i = 0; i < tags; i++) {
                OciLayouts.image(layout, "v" + i, 200 + i, 20_000);
                Skopeo.copy(oci(layout, "v" + i), docker(a, "admin/fanout:v" + i));
            }
            waitFor(Duration.ofSeconds(60), () -> receiver.received().size() >= tags);
            Thread.sleep(2000);
            Map<String, Long> perId = receiver.received().stream()
                    .collect(Collectors.groupingBy(HookReceiver.Received::deliveryId, Collectors.counting()));
            assertThat(perId).hasSize(tags);
            assertThat(perId.values()).allMatch(n -> n == 1);
            assertThat(receiver.maxConcurrentPerDelivery()).isEqualTo(1);
            List<String> pushedTags = receiver.received().stream()
                    .map(r -> readTag(r.body())).sorted().toList();
            assertThat(pushedTags).containsExactly("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7");
            assertThat(send("DELETE", "/v2/namespaces/admin/webhook_pipeline/fanout/").statusCode()).isEqualTo(204);
        }
    }

    @Test
    @Order(2)
    void aHookAllowedAtCreationIsRefusedByTheDeliveringNodesPolicy() throws Exception {
        b.close();
        c.close();
        node("d", Map.of("WHARF_OUTBOUND_ALLOW", "")); // the default policy: loopback refused
        try (HookReceiver receiver = new HookReceiver().start()) {
            create("guarded", receiver.url("/guarded"));
            Path layout = work.resolve("guarded");
            OciLayouts.image(layout, "g1", 300, 20_000);
            Skopeo.copy(oci(layout, "g1"), docker(a, "admin/guarded:g1"));
            String path = "/v2/namespaces/admin/webhook_pipeline/guarded/deliveries";
            waitFor(Duration.ofSeconds(30), () -> deliveriesLog(path).size() >= 1);
            JsonNode attempt = deliveriesLog(path).get(0);
            assertThat(attempt.path("error").asText()).contains("outbound policy");
            assertThat(attempt.path("status").isNull()).isTrue();
            assertThat(receiver.received()).isEmpty();
        }
    }

    private JsonNode deliveriesLog(String path) {
        try {
            HttpResponse<String> r = send("GET", path);
            return JSON.readTree(r.body()).path("results").path(0).path("log");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void create(String name, String url) throws Exception {
        HttpResponse<String> r = WebhooksIT.send(a, session, "POST", "/v2/namespaces/admin/webhook_pipeline",
                JSON.writeValueAsString(Map.of("name", name, "webhooks", List.of(Map.of("hook_url", url)))));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        return WebhooksIT.send(a, session, method, path, null);
    }

    private static String readTag(byte[] body) {
        try {
            return JSON.readTree(body).path("push_data").path("tag").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean postgresAnswers() {
        try (Connection ignored = DriverManager.getConnection(DB_URL, DB_USER, null)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
