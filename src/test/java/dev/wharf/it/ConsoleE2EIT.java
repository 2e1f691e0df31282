package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.HookReceiver;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real browser: Debian's headless chromium driven by playwright-core runs
 * {@code src/test/e2e/console.e2e.mjs} against the packaged jar. Here: a Wharf and a Distribution upstream, images
 * pushed with skopeo (two tags of {@code admin/demo}, {@code team/app:1.0} upstream for the import, {@code acme/tool}
 * in an organization made with the admin commands; {@code library/tool:1.0} pulled twice through the mirror {@code up} of
 * that upstream), and a
 * repository with 100,000 tags seeded straight into the metadata database, whose pages the script times.
 * The test fails when the script reports any failed step.
 */
class ConsoleE2EIT {
    private static final int BIG_TAGS = 100_000;

    @TempDir
    Path work;

    @Test
    void consoleFlowsInHeadlessChromium() throws Exception {
        Path e2e = Path.of(System.getProperty("console.e2e.dir", "src/test/e2e"));
        assertThat(e2e.resolve("node_modules/playwright-core")).as("npm ci ran in " + e2e).isDirectory();
        assertThat(Path.of("/usr/bin/chromium")).as("apt-get install chromium").isExecutable();
        Path shots = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"));
        Path data = Files.createDirectories(work.resolve("data"));
        try (DistributionProcess upstream = DistributionProcess.start(Files.createDirectories(work.resolve("up")));
                HookReceiver hooks = new HookReceiver().start();
                WharfProcess wharf = WharfProcess.start(data, Map.of("WHARF_OUTBOUND_ALLOW", "127.0.0.0/8",
                        "WHARF_WEBHOOKS_RETRY_INITIAL", "500ms", "WHARF_WEBHOOKS_RETRY_MAX", "2s",
                        "WHARF_MIRRORS_UPSTREAMS", "up=http://" + upstream.host()))) {
            Skopeo.copy(Skopeo.oci(layout("upstream", 3, 40_000), "1.0"),
                    "docker://" + upstream.host() + "/team/app:1.0");
            // Through the mirror "up": a cold pull, then a warm one (hits and misses for the mirrors block), of an
            // upstream name with a slash, as Docker Hub's library/… names are: the console's pages take it too.
            Skopeo.copy(Skopeo.oci(work.resolve("upstream"), "1.0"), "docker://" + upstream.host() + "/library/tool:1.0");
            for (int i = 0; i < 2; i++) Skopeo.copy("docker://" + wharf.host() + "/up/library/tool:1.0",
                    Skopeo.oci(work.resolve("mirrored-" + i), "1.0"));
            OciLayouts.Image demo = OciLayouts.image(Files.createDirectories(work.resolve("demo1")), "1.0", 1, 20_000);
            Skopeo.copy(Skopeo.oci(work.resolve("demo1"), "1.0"), "docker://" + wharf.host() + "/admin/demo:1.0");
            pushSignature(wharf, "admin/demo", demo);
            Skopeo.copy(Skopeo.oci(layout("demo2", 2, 30_000), "1.0"), "docker://" + wharf.host() + "/admin/demo:2.0");
            Skopeo.copy(Skopeo.oci(layout("big", 4, 10_000), "1.0"), "docker://" + wharf.host() + "/admin/big:t000000");
            seedTags(data.resolve("wharf.db"), "admin/big", BIG_TAGS);
            wharf.createUser("bob", "bob-secret-for-console");
            wharf.cli("org", "create", "acme", "--owner", WharfProcess.ADMIN.username());
            wharf.cli("org", "member", "acme", "bob", "--role", "member");
            Skopeo.copy(Skopeo.oci(layout("tool", 5, 5_000), "1.0"), "docker://" + wharf.host() + "/acme/tool:1.0");
            for (int i = 0; i < 3; i++) Skopeo.inspectRaw("docker://" + wharf.host() + "/admin/demo:1.0"); // pulls

            String pushToken = pushToken(wharf); // made before the script turns two-factor sign-in on
            Path log = work.resolve("e2e.log");
            ProcessBuilder node = new ProcessBuilder("node", "console.e2e.mjs").directory(e2e.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            node.environment().putAll(Map.of(
                    "WHARF_URL", "http://" + wharf.host(),
                    "WHARF_USER", WharfProcess.ADMIN.username(),
                    "WHARF_PASSWORD", WharfProcess.ADMIN.password(),
                    "UPSTREAM_URL", "http://" + upstream.host(),
                    "SCREENSHOT_DIR", shots.toAbsolutePath().toString(),
                    "BIG_REPOSITORY", "admin/big",
                    "HOOK_URL", hooks.url("/console-hook"),
                    "PUSH_TOKEN", pushToken));
            node.environment().putAll(Map.of("MIRROR_NAMESPACE", "up", "MIRROR_REPOSITORY", "library/tool"));
            Process p = node.start();
            p.getOutputStream().close();
            boolean exited = p.waitFor(8, TimeUnit.MINUTES);
            if (!exited) p.destroyForcibly().waitFor();
            String output = Files.readString(log, StandardCharsets.UTF_8);
            System.out.println(output);
            assertThat(exited).as("the browser test finished in time:\n" + output).isTrue();
            assertThat(output).as(output).containsPattern("(?m)^\\d+ passed, 0 failed$");
            assertThat(p.exitValue()).as(output).isZero();
            // The hook the script made in the browser got the push and the redelivery, signed, same body.
            assertThat(hooks.received()).hasSize(2);
            assertThat(hooks.received().get(0).body()).isEqualTo(hooks.received().get(1).body());
        }
    }

    /** A personal access token that may push, for the script's registry push (a password stops working there once 2FA is on). */
    private static String pushToken(WharfProcess wharf) throws Exception {
        String session = WebhooksIT.login(wharf, WharfProcess.ADMIN.username(), WharfProcess.ADMIN.password());
        java.net.http.HttpResponse<String> created = WebhooksIT.send(wharf, session, "POST", "/v2/access-tokens",
                "{\"token_label\":\"e2e-push\",\"scopes\":[\"repo:write\"]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return WebhooksIT.JSON.readTree(created.body()).path("token").asText();
    }

    /**
     * A cosign-style signature: an OCI artifact manifest (empty config and layer) whose subject is {@code image},
     * pushed over HTTP as a signing tool would, so the image page has a referrer to show.
     */
    private static void pushSignature(WharfProcess wharf, String repository, OciLayouts.Image image) {
        RegistryHttp.Client client = RegistryHttp.asAdmin(wharf);
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        String emptyDigest = OciLayouts.sha256(empty);
        RegistryHttp.Response blob = client.send(wharf, "POST", "/v2/" + repository + "/blobs/uploads/?digest="
                + emptyDigest, empty, "Content-Type", "application/octet-stream");
        assertThat(blob.status()).as(blob.toString()).isEqualTo(201);
        String descriptor = "{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + emptyDigest
                + "\",\"size\":2}";
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + OciLayouts.MANIFEST + "\","
                + "\"artifactType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"config\":" + descriptor
                + ",\"layers\":[" + descriptor + "],\"subject\":{\"mediaType\":\"" + OciLayouts.MANIFEST
                + "\",\"digest\":\"" + image.digest() + "\",\"size\":" + image.manifest().length + "}}")
                .getBytes(StandardCharsets.UTF_8);
        RegistryHttp.Response put = client.send(wharf, "PUT", "/v2/" + repository + "/manifests/"
                + OciLayouts.sha256(manifest), manifest, "Content-Type", OciLayouts.MANIFEST);
        assertThat(put.status()).as(put.toString()).isEqualTo(201);
    }

    private Path layout(String name, long seed, long layerSize) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        OciLayouts.image(dir, "1.0", seed, layerSize);
        return dir;
    }

    /**
     * Adds {@code count - 1} tags, all naming the pushed tag's manifest, to the running node's SQLite file in one
     * transaction (the store's own tag writes are one transaction each; a hundred thousand of them would take
     * minutes). Tag history is left alone: it is not what the console's tag pages read.
     */
    private static void seedTags(Path db, String repository, int count) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.createStatement().execute("PRAGMA busy_timeout = 10000");
            long repositoryId;
            String digest;
            long now = System.currentTimeMillis();
            try (PreparedStatement q = c.prepareStatement("SELECT r.id, t.manifest_digest FROM repositories r"
                    + " JOIN tags t ON t.repository_id = r.id WHERE r.name = ?")) {
                q.setString(1, repository);
                ResultSet r = q.executeQuery();
                assertThat(r.next()).as(repository + " was pushed").isTrue();
                repositoryId = r.getLong(1);
                digest = r.getString(2);
            }
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO tags (repository_id, name,"
                    + " manifest_digest, updated_at) VALUES (?, ?, ?, ?)")) {
                for (int i = 1; i < count; i++) {
                    insert.setLong(1, repositoryId);
                    insert.setString(2, String.format("t%06d", i));
                    insert.setString(3, digest);
                    insert.setLong(4, now - i);
                    insert.addBatch();
                    if (i % 5_000 == 0) insert.executeBatch();
                }
                insert.executeBatch();
            }
            c.commit();
        }
    }
}
