package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.config.ConfigLoader;
import dev.wharf.model.Digest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /admin/gc} (who may use it, status, dry run, a real pass, metrics) and {@code wharf gc}. */
class GcAdminTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ROOT_PASSWORD = "root-secret-password-1";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private String base;

    @Test
    void onlyAdministratorsRunPassesAndTheCliPrintsWhatItDeletes() throws Exception {
        cli(new AdminCli(new PrintStream(new ByteArrayOutputStream())), "user", "create", "root", "--email",
                "root@example.test", "--password", ROOT_PASSWORD, "--admin");
        cli(new AdminCli(new PrintStream(new ByteArrayOutputStream())), "user", "create", "bob", "--email",
                "bob@example.test", "--password", "bob-secret-password-1");
        // Registry auth off (pushes need no tokens); /admin/gc still wants an administrator. No background passes.
        WharfServer server = WharfServer.start(ConfigLoader.load(List.of("--addr", "127.0.0.1:0", "--data-dir",
                dir.toString(), "--log-access", "false", "--auth-enabled", "false", "--gc-enabled", "false",
                "--gc-untagged-grace", "1ms", "--gc-blob-grace", "1ms"), Map.of()));
        Digest manifest;
        Digest orphan;
        try {
            base = "http://127.0.0.1:" + server.port();
            orphan = pushBlob("team/app", "never referenced");
            Digest config = pushBlob("team/app", "{}");
            Digest layer = pushBlob("team/app", "layer");
            String body = """
                    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                     "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":2},
                     "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":5}]}"""
                    .formatted(config, layer);
            manifest = Digest.sha256(body.getBytes(StandardCharsets.UTF_8));
            assertThat(send("PUT", "/v2/team/app/manifests/v1", body, null,
                    "Content-Type", "application/vnd.oci.image.manifest.v1+json").statusCode()).isEqualTo(201);
            assertThat(send("DELETE", "/v2/team/app/manifests/v1", null, null).statusCode()).isEqualTo(202);
            Thread.sleep(5); // past the 1 ms grace periods

            HttpResponse<String> anonymous = send("GET", "/admin/gc", null, null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    h -> assertThat(h).startsWith("Basic"));
            assertThat(JSON.readTree(anonymous.body()).path("message").asText()).contains("administrator");
            assertThat(send("GET", "/admin/gc", null, basic("root", "wrong")).statusCode()).isEqualTo(401);
            assertThat(send("POST", "/admin/gc", "", basic("bob", "bob-secret-password-1")).statusCode())
                    .isEqualTo(403);
            HttpResponse<String> bad = send("POST", "/admin/gc?dry_run=maybe", "", basic("root", ROOT_PASSWORD));
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(bad.body()).path("message").asText()).contains("dry_run");
            // 999999999999d parses (12 digits) but reaches past the oldest Instant: it failed the pass with a 500.
            for (String grace : List.of("soon", "-1h", "10", "99999999999999999999d", "999999999999d", "36501d")) {
                HttpResponse<String> badGrace = send("POST", "/admin/gc?dry_run=true&blob_grace="
                        + java.net.URLEncoder.encode(grace, StandardCharsets.UTF_8), "", basic("root", ROOT_PASSWORD));
                assertThat(badGrace.statusCode()).as(grace).isEqualTo(400);
                assertThat(JSON.readTree(badGrace.body()).path("message").asText()).contains("blob_grace");
            }
            JsonNode shortened = JSON.readTree(send("POST", "/admin/gc?dry_run=true&blob_grace=0s", "",
                    basic("root", ROOT_PASSWORD)).body());
            assertThat(shortened.path("blob_grace_seconds").asLong()).isZero();
            assertThat(shortened.path("blobs").findValuesAsText("digest")).containsExactly(orphan.toString());

            JsonNode dry = JSON.readTree(send("POST", "/admin/gc?dry_run=true", "", basic("root", ROOT_PASSWORD))
                    .body());
            assertThat(dry.path("dry_run").asBoolean()).isTrue();
            assertThat(dry.path("manifests").findValuesAsText("digest")).containsExactly(manifest.toString());
            assertThat(dry.path("blobs").findValuesAsText("digest")).containsExactly(orphan.toString());
            assertThat(send("GET", "/v2/team/app/manifests/" + manifest, null, null).statusCode())
                    .as("a dry run deletes nothing").isEqualTo(200);

            JsonNode pass = JSON.readTree(send("POST", "/admin/gc", "", basic("root", ROOT_PASSWORD)).body());
            assertThat(pass.path("manifests_deleted").asLong()).isEqualTo(1);
            assertThat(pass.path("blobs_deleted").asLong()).isEqualTo(1);
            assertThat(pass.path("bytes_reclaimed").asLong()).isEqualTo("never referenced".length());
            assertThat(send("GET", "/v2/team/app/manifests/" + manifest, null, null).statusCode()).isEqualTo(404);
            assertThat(send("GET", "/v2/team/app/blobs/" + orphan, null, null).statusCode()).isEqualTo(404);
            assertThat(send("GET", "/v2/team/app/blobs/" + layer, null, null).statusCode())
                    .as("queued when its manifest went, due one blob grace later").isEqualTo(200);

            // The console's cookie (http.AdminGate, shared with /admin/mirrors): reads need only the cookie,
            // a pass also the CSRF header; a non-administrator's cookie is refused.
            HttpResponse<String> signIn = send("POST", "/console/api/session", "{\"username\": \"root\","
                    + " \"password\": \"" + ROOT_PASSWORD + "\"}", null, "Content-Type", "application/json");
            assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
            String cookie = signIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            String csrf = JSON.readTree(signIn.body()).path("csrf_token").asText();
            assertThat(send("GET", "/admin/gc", null, null, "Cookie", cookie).statusCode()).isEqualTo(200);
            HttpResponse<String> forged = send("POST", "/admin/gc?dry_run=maybe", "", null, "Cookie", cookie);
            assertThat(forged.statusCode()).isEqualTo(403);
            assertThat(JSON.readTree(forged.body()).path("message").asText()).contains("CSRF");
            // Admitted with the header (and then refused for its bad parameter, so no pass runs here).
            assertThat(send("POST", "/admin/gc?dry_run=maybe", "", null, "Cookie", cookie, "X-CSRF-Token", csrf)
                    .statusCode()).isEqualTo(400);
            HttpResponse<String> bobIn = send("POST", "/console/api/session", "{\"username\": \"bob\","
                    + " \"password\": \"bob-secret-password-1\"}", null, "Content-Type", "application/json");
            assertThat(send("GET", "/admin/gc", null, null, "Cookie",
                    bobIn.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0]).statusCode()).isEqualTo(403);

            JsonNode status = JSON.readTree(send("GET", "/admin/gc", null, basic("root", ROOT_PASSWORD)).body());
            assertThat(status.path("enabled").asBoolean()).isFalse();
            assertThat(status.path("cluster").path("passes").asLong()).isEqualTo(1);
            assertThat(status.path("node").path("manifests_deleted").asLong()).isEqualTo(1);
            assertThat(status.path("queue_length").asLong()).as("config and layer await review").isEqualTo(2);
            assertThat(status.path("last_pass").path("dry_run").asBoolean()).isFalse();
            String metrics = send("GET", "/metrics", null, null).body();
            assertThat(metrics).contains("wharf_gc_passes_total 1.0", "wharf_gc_manifests_deleted_total 1.0",
                    "wharf_gc_blobs_deleted_total 1.0", "wharf_gc_queue_length 2.0");
        } finally {
            server.stop();
        }

        // The CLI on the stopped node: the config and layer are due now.
        Thread.sleep(5);
        String dryRun = cliGc("--dry-run");
        assertThat(dryRun).contains("would delete blob sha256:", "dry run: would delete 0 manifests and 2 blobs");
        String real = cliGc();
        assertThat(real).contains("deleted blob sha256:", "deleted 0 manifests and 2 blobs (7 bytes)");
        assertThat(cliGc("--dry-run")).contains("dry run: would delete 0 manifests and 0 blobs (0 bytes)");
    }

    private String cliGc(String... flags) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of(flags));
        args.addAll(List.of("--data-dir", dir.toString(), "--gc-untagged-grace", "1ms", "--gc-blob-grace", "1ms"));
        assertThat(new GcCli(new PrintStream(out, true, StandardCharsets.UTF_8), Map.of()).run(args)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    private void cli(AdminCli admin, String group, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dir.toString()));
        assertThat(admin.run(group, all)).isZero();
    }

    private Digest pushBlob(String repo, String content) throws Exception {
        Digest d = Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
        assertThat(send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, content, null).statusCode())
                .isEqualTo(201);
        return d;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> send(String method, String path, String body, String authorization,
            String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) b.header("Authorization", authorization);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
