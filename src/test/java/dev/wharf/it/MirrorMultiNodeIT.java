package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.it.support.CountingProxy;
import dev.wharf.it.support.Credentials;
import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.ItResources;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import dev.wharf.testing.PostgresSchema;
import dev.wharf.storage.blob.S3Proxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
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
 * Two Wharf nodes on one PostgreSQL schema and one S3 bucket (S3Proxy) share one mirror cache. The upstream is
 * CNCF Distribution with htpasswd behind a loopback proxy that counts what it served. A cold pull through node A
 * fills the cache; the same pull through node B comes from the shared cache (the upstream counts do not move).
 * Cold pulls of one big layer running at the same time on both nodes (two clients per node) fetch it at most once
 * per node, and the bucket ends up with one copy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ResourceLock(ItResources.POSTGRESQL_CLUSTER)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MirrorMultiNodeIT {
    private static final long MIB = 1024 * 1024;
    private static final Credentials UPSTREAM = new Credentials("mirror-bot", "upstream-secret-77");
    private static final String BUCKET = "wharf-mirrors";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    private final PostgresSchema schema = new PostgresSchema("mirror_it_");
    private final List<AutoCloseable> opened = new ArrayList<>();
    private DistributionProcess upstream;
    private CountingProxy proxy;
    private WharfProcess a;
    private WharfProcess b;
    private boolean schemaUsed;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(PostgresSchema.available(), "PostgreSQL does not answer on " + PostgresSchema.URL);
        assumeTrue(DistributionProcess.htpasswdAvailable(), "htpasswd (apache2-utils) is needed for the upstream");
        if (System.getProperty("s3proxy.jar") == null && System.getProperty("wharf.jar") != null) {
            // failsafe only passes wharf.jar; the build copies S3Proxy next to it (target/s3proxy/).
            System.setProperty("s3proxy.jar", Path.of(System.getProperty("wharf.jar")).toAbsolutePath().getParent()
                    .resolve("s3proxy").resolve("s3proxy.jar").toString());
        }
        S3Proxy s3 = S3Proxy.start(Files.createDirectory(work.resolve("s3")), BUCKET);
        opened.add(s3::close);
        upstream = DistributionProcess.startWithUser(Files.createDirectory(work.resolve("upstream")),
                UPSTREAM.username(), UPSTREAM.password());
        opened.add(upstream);
        // Slow enough that the concurrent cold pulls below overlap for seconds.
        proxy = new CountingProxy(upstream.port(), 12 * MIB);
        opened.add(proxy);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> env = new HashMap<>(s3.wharfEnv(BUCKET));
        env.putAll(Map.ofEntries(
                Map.entry("WHARF_DB_URL", PostgresSchema.URL),
                Map.entry("WHARF_DB_USER", PostgresSchema.USER),
                Map.entry("WHARF_DB_SCHEMA", schema.name()),
                Map.entry("WHARF_SECRET_KEY", Base64.getEncoder().encodeToString(key)),
                Map.entry("WHARF_GC_ENABLED", "false"),
                Map.entry("WHARF_MIRRORS_UPSTREAMS", "up=http://" + proxy.host()),
                Map.entry("WHARF_MIRRORS_CREDENTIALS", "up=" + UPSTREAM.colonSeparated()),
                Map.entry("WHARF_MIRRORS_REVALIDATE_AFTER", "10m"),
                Map.entry("WHARF_MIRRORS_UPSTREAM_TIMEOUT", "10s")));
        schemaUsed = true;
        a = node("a", env);
        b = node("b", env);
    }

    private WharfProcess node(String name, Map<String, String> env) throws IOException {
        WharfProcess node = WharfProcess.start(Files.createDirectory(work.resolve("node-" + name)), env);
        opened.add(node);
        return node;
    }

    @AfterAll
    void stop() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) opened.get(i).close();
        if (schemaUsed) schema.drop();
    }

    @Test
    @Order(1)
    void aColdPullOnOneNodeWarmsTheOther() throws Exception {
        Path layout = work.resolve("shared");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 61, 4 * MIB, 300_000);
        push(layout, "1", "shared:1");

        Skopeo.copy("docker://" + a.host() + "/up/shared:1", Skopeo.oci(work.resolve("via-a"), "1"));
        assertThat(OciLayouts.digestOf(work.resolve("via-a"), "1")).isEqualTo(image.digest());
        for (String blob : image.blobs()) assertThat(proxy.gets("/v2/shared/blobs/" + blob)).as(blob).isEqualTo(1);
        assertThat(proxy.gets("/v2/shared/manifests/1")).isEqualTo(1);
        WharfProcess.awaitNoMirrorDownloads(a.dataDir(), Duration.ofSeconds(60));

        Skopeo.copy("docker://" + b.host() + "/up/shared:1", Skopeo.oci(work.resolve("via-b"), "1"));
        assertThat(OciLayouts.digestOf(work.resolve("via-b"), "1")).isEqualTo(image.digest());
        for (String blob : image.blobs()) {
            assertThat(proxy.gets("/v2/shared/blobs/" + blob)).as("B asked the upstream for " + blob).isEqualTo(1);
        }
        assertThat(proxy.gets("/v2/shared/manifests/1")).as("B used the tag A checked").isEqualTo(1);
        String metricsB = RegistryHttp.raw(b, "GET", "/metrics").text();
        assertThat(metricsB).doesNotContain("wharf_mirror_misses_total{kind=\"blob\"")
                .containsPattern("wharf_mirror_hits_total\\{kind=\"blob\",mirror=\"up\"} [1-9]");

        // Both nodes' counts end up in one row: A's misses and B's hits, seen from either node.
        // (A one-segment upstream name: the Hub's repository paths take one segment; see docs/operations.md.)
        String session = WebhooksIT.login(a, WharfProcess.ADMIN.username(), WharfProcess.ADMIN.password());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        var mirror = repositoryView(session);
        while ((mirror.path("hits").asLong() < image.blobs().size() + 1) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            mirror = repositoryView(session);
        }
        assertThat(mirror.path("hits").asLong()).as(mirror.toString()).isGreaterThanOrEqualTo(image.blobs().size() + 1);
        assertThat(mirror.path("misses").asLong()).as(mirror.toString()).isGreaterThanOrEqualTo(image.blobs().size() + 1);
        assertThat(mirror.path("last_revalidated").isTextual()).isTrue();
    }

    @Test
    @Order(2)
    void concurrentColdPullsOnBothNodesFetchAtMostOncePerNodeAndStoreOnce() throws Exception {
        Path layout = work.resolve("big");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 62, 48 * MIB);
        String layer = JSON.readTree(image.manifest()).path("layers").get(0).path("digest").asText();
        push(layout, "1", "team/big:1");

        List<CompletableFuture<Skopeo.Result>> pulls = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            int i = 0;
            for (WharfProcess node : List.of(a, b, a, b)) {
                Path out = work.resolve("big-" + i++);
                pulls.add(CompletableFuture.supplyAsync(() -> Skopeo.tryCopy(Duration.ofSeconds(240),
                        "docker://" + node.host() + "/up/team/big:1", Skopeo.oci(out, "1")), threads));
            }
        }
        for (int i = 0; i < pulls.size(); i++) {
            Skopeo.Result r = pulls.get(i).get();
            assertThat(r.ok()).as(r.stderr()).isTrue();
            assertThat(OciLayouts.digestOf(work.resolve("big-" + i), "1")).isEqualTo(image.digest());
        }
        int fetched = proxy.gets("/v2/team/big/blobs/" + layer);
        assertThat(fetched).as("at most one download per node").isBetween(1, 2);
        // The second client on a node joined that node's download.
        for (WharfProcess node : List.of(a, b)) {
            assertThat(RegistryHttp.raw(node, "GET", "/metrics").text())
                    .containsPattern("wharf_mirror_(joined_downloads_total\\{mirror=\"up\"}|hits_total\\{kind=\"blob\","
                            + "mirror=\"up\"}) [1-9]");
        }
        WharfProcess.awaitNoMirrorDownloads(a.dataDir(), Duration.ofSeconds(60));
        WharfProcess.awaitNoMirrorDownloads(b.dataDir(), Duration.ofSeconds(60));
        // Stored once: one object under the blob's key in the shared bucket, whichever node published first.
        String hex = layer.substring("sha256:".length());
        try (Stream<Path> files = Files.walk(work.resolve("s3"))) {
            assertThat(files.filter(p -> p.getFileName().toString().equals(hex)).toList()).hasSize(1);
        }
        // And a later pull anywhere costs the upstream nothing more.
        Skopeo.copy("docker://" + b.host() + "/up/team/big:1", Skopeo.oci(work.resolve("big-again"), "1"));
        assertThat(proxy.gets("/v2/team/big/blobs/" + layer)).isEqualTo(fetched);
    }

    /** The {@code mirror} object of the Hub's repository view of up/shared, through node A. */
    private com.fasterxml.jackson.databind.JsonNode repositoryView(String session) throws Exception {
        var response = WebhooksIT.send(a, session, "GET", "/v2/namespaces/up/repositories/shared", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).path("mirror");
    }

    private void push(Path layout, String tag, String target) {
        Skopeo.copy(Skopeo.oci(layout, tag), "docker://" + upstream.host() + "/" + target,
                "--dest-creds", UPSTREAM.colonSeparated());
    }
}
