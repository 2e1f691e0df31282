package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.it.support.WharfProcess;
import dev.wharf.model.Digest;
import dev.wharf.storage.blob.S3Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Online garbage collection under load: two Wharf nodes on one PostgreSQL schema and one S3 bucket (S3Proxy),
 * each collecting every second with grace periods of three seconds, while writer threads push images (shared
 * layers, mounts, unique configs), move tags, delete tags and manifests, and pull. At the end every still-tagged
 * image is pulled in full through both nodes and every blob's digest checked, and once the grace periods have
 * passed, storage and the database hold exactly the blobs the remaining manifests reference.
 */
// Alone: a push loses to the collector when its blobs wait longer than the 3 s grace for their manifest, so the
// push floor below holds only while no other test competes for the disk and CPU (beside RegistryImportIT's
// 200 MiB imports it managed 6 pushes; alone, on the same busy machine, 134).
@Isolated
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GcStressIT {
    private static final String DB_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String DB_USER = "postgres";
    private static final String BUCKET = "wharf-gc-stress";
    private static final Duration GRACE = Duration.ofSeconds(3);
    private static final Duration LOAD = Duration.ofSeconds(40);
    private static final int WRITERS = 6;
    private static final int SHARED_LAYERS = 24;
    private static final List<String> REPOSITORIES = List.of("gc/alpha", "gc/beta", "gc/gamma");
    private static final int TAGS_PER_REPOSITORY = 8;
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    static Path work;

    private final String schema = "gc_it_" + HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<WharfProcess> nodes = new ArrayList<>();
    private final List<byte[]> sharedLayers = new ArrayList<>();
    private S3Proxy s3;
    private boolean schemaCreated;

    // what the load did
    private final AtomicLong pushes = new AtomicLong();
    private final AtomicLong pushesLostToGc = new AtomicLong();
    private final AtomicLong mounts = new AtomicLong();
    private final AtomicLong retags = new AtomicLong();
    private final AtomicLong deletes = new AtomicLong();
    private final AtomicLong pulls = new AtomicLong();
    private final AtomicLong pullsOfMovedTags = new AtomicLong();
    private final AtomicLong blobsVerifiedDuringLoad = new AtomicLong();

    @BeforeAll
    void start() throws Exception {
        assumeTrue(postgresAnswers(), "PostgreSQL does not answer on " + DB_URL);
        if (System.getProperty("s3proxy.jar") == null && System.getProperty("wharf.jar") != null) {
            System.setProperty("s3proxy.jar", Path.of(System.getProperty("wharf.jar")).toAbsolutePath().getParent()
                    .resolve("s3proxy").resolve("s3proxy.jar").toString());
        }
        s3 = S3Proxy.start(Files.createDirectory(work.resolve("s3")), BUCKET);
        schemaCreated = true;
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Map<String, String> env = Map.ofEntries(
                Map.entry("WHARF_DB_URL", DB_URL),
                Map.entry("WHARF_DB_USER", DB_USER),
                Map.entry("WHARF_DB_SCHEMA", schema),
                Map.entry("WHARF_STORAGE_DRIVER", "s3"),
                Map.entry("WHARF_STORAGE_S3_ENDPOINT", s3.endpoint()),
                Map.entry("WHARF_STORAGE_S3_BUCKET", BUCKET),
                Map.entry("WHARF_STORAGE_S3_REGION", S3Proxy.REGION),
                Map.entry("WHARF_STORAGE_S3_PATH_STYLE", "true"),
                Map.entry("WHARF_STORAGE_S3_ACCESS_KEY", S3Proxy.ACCESS_KEY),
                Map.entry("WHARF_STORAGE_S3_SECRET_KEY", S3Proxy.SECRET_KEY),
                Map.entry("WHARF_SECRET_KEY", Base64.getEncoder().encodeToString(key)),
                // An open registry keeps the load on the registry and the collector, not on token round trips;
                // /admin/gc still wants the administrator.
                Map.entry("WHARF_AUTH_ENABLED", "false"),
                Map.entry("WHARF_RATELIMIT_ENABLED", "false"),
                Map.entry("WHARF_LOG_ACCESS", "false"),
                Map.entry("WHARF_GC_INTERVAL", "1s"),
                Map.entry("WHARF_GC_UNTAGGED_GRACE", GRACE.toSeconds() + "s"),
                Map.entry("WHARF_GC_BLOB_GRACE", GRACE.toSeconds() + "s"));
        nodes.add(WharfProcess.start(Files.createDirectory(work.resolve("node-a")), env));
        nodes.add(WharfProcess.start(Files.createDirectory(work.resolve("node-b")), env));
        Random random = new Random(7);
        for (int i = 0; i < SHARED_LAYERS; i++) {
            byte[] layer = new byte[4096 + random.nextInt(60_000)];
            random.nextBytes(layer);
            sharedLayers.add(layer);
        }
    }

    @AfterAll
    void stop() throws Exception {
        threads.shutdownNow();
        for (WharfProcess node : nodes) node.stop();
        if (s3 != null) s3.close();
        if (schemaCreated) {
            try (Connection db = DriverManager.getConnection(DB_URL, DB_USER, null);
                    Statement s = db.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        }
    }

    @Test
    void collectingContinuouslyUnderLoadLosesNothingAndLeavesNoGarbage() throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + LOAD.toNanos();
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.add(threads.submit(() -> {
                Random random = new Random(writer * 31L + 1);
                while (System.nanoTime() < deadline) step(random, writer);
                return null;
            }));
        }
        for (Future<?> f : writers) f.get(LOAD.toSeconds() + 120, TimeUnit.SECONDS);
        long loadMillis = (System.nanoTime() - t0) / 1_000_000;

        // Every image still tagged, pulled in full through both nodes, every digest checked.
        long[] verified = verifyTaggedImages();
        long images = verified[0];
        long missing = verified[1];
        long corrupt = verified[2];

        // Once the grace periods are over (and a pass ran after that), storage holds what manifests reference.
        long settledAfter = awaitNoGarbage();
        Set<String> referenced = referencedBlobs();
        Set<String> inDatabase = query("SELECT digest FROM blobs");
        Set<String> inStorage = storedBlobs();
        long untagged = count("""
                SELECT COUNT(*) FROM manifests m WHERE m.index_parents = 0
                AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.repository_id = m.repository_id
                                AND t.manifest_digest = m.digest)""");
        JsonNode status = adminGc("GET", "");

        System.out.printf("[GcStressIT] load %d ms, %d writers on 2 nodes: %d pushes (%d lost a race to the collector"
                        + " and were retried), %d mounts, %d retags, %d deletes, %d pulls (%d of moved tags),"
                        + " %d blobs verified during the load%n",
                loadMillis, WRITERS, pushes.get(), pushesLostToGc.get(), mounts.get(), retags.get(), deletes.get(),
                pulls.get(), pullsOfMovedTags.get(), blobsVerifiedDuringLoad.get());
        System.out.printf("[GcStressIT] gc: %d passes, %d manifests and %d blobs deleted, %d bytes reclaimed"
                        + " (cluster totals); queue now %d%n",
                status.path("cluster").path("passes").asLong(), status.path("cluster").path("manifests_deleted").asLong(),
                status.path("cluster").path("blobs_deleted").asLong(),
                status.path("cluster").path("bytes_reclaimed").asLong(), status.path("queue_length").asLong());
        System.out.printf("[GcStressIT] end: %d tagged images verified, missing=%d, corrupt=%d; %d blobs referenced,"
                        + " %d in the database, %d in storage, %d untagged manifests; settled %d ms after the load%n",
                images, missing, corrupt, referenced.size(), inDatabase.size(), inStorage.size(), untagged,
                settledAfter);

        assertThat(missing).isZero();
        assertThat(corrupt).isZero();
        assertThat(images).isPositive();
        assertThat(pushes.get()).as("pushes (the machine may be busy; this is a floor)").isGreaterThan(20);
        assertThat(status.path("cluster").path("blobs_deleted").asLong()).isPositive();
        assertThat(status.path("cluster").path("manifests_deleted").asLong()).isPositive();
        assertThat(inStorage).as("no unreferenced blob in storage, none missing").isEqualTo(referenced);
        assertThat(inDatabase).isEqualTo(referenced);
        assertThat(untagged).isZero();
    }

    // --- the load ----------------------------------------------------------------------------------------

    private void step(Random random, int writer) throws Exception {
        WharfProcess node = nodes.get(random.nextInt(nodes.size()));
        String repo = REPOSITORIES.get(random.nextInt(REPOSITORIES.size()));
        String tag = "t" + random.nextInt(TAGS_PER_REPOSITORY);
        int dice = random.nextInt(100);
        if (dice < 45) {
            push(node, repo, tag, random);
        } else if (dice < 60) {
            retag(node, repo, tag, "t" + random.nextInt(TAGS_PER_REPOSITORY));
        } else if (dice < 72) {
            delete(node, repo, tag, random.nextBoolean());
        } else {
            pull(node, repo, tag);
        }
    }

    /** Uploads (or mounts) two shared layers and a unique config, then the manifest; retried if GC won a race. */
    private void push(WharfProcess node, String repo, String tag, Random random) throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            byte[] layer1 = sharedLayers.get(random.nextInt(SHARED_LAYERS));
            byte[] layer2 = sharedLayers.get(random.nextInt(SHARED_LAYERS));
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                    + "\"diff_ids\":[]},\"nonce\":\"" + random.nextLong() + "\"}").getBytes(StandardCharsets.UTF_8);
            String from = REPOSITORIES.get(random.nextInt(REPOSITORIES.size()));
            if (!putBlob(node, repo, layer1, from) || !putBlob(node, repo, layer2, from)
                    || !putBlob(node, repo, config, null)) {
                pushesLostToGc.incrementAndGet();
                continue;
            }
            String manifest = """
                    {"schemaVersion":2,"mediaType":"%s",
                     "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
                     "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d},
                               {"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}"""
                    .formatted(OCI_MANIFEST, Digest.sha256(config), config.length, Digest.sha256(layer1),
                            layer1.length, Digest.sha256(layer2), layer2.length);
            HttpResponse<byte[]> r = send(node, "PUT", "/v2/" + repo + "/manifests/" + tag,
                    manifest.getBytes(StandardCharsets.UTF_8), "Content-Type", OCI_MANIFEST);
            if (r.statusCode() == 201) {
                pushes.incrementAndGet();
                return;
            }
            if (r.statusCode() != 404 || !new String(r.body()).contains("MANIFEST_BLOB_UNKNOWN")) {
                throw new AssertionError("manifest PUT: " + r.statusCode() + " " + new String(r.body()));
            }
            pushesLostToGc.incrementAndGet(); // a layer was collected between its upload and the manifest
        }
        throw new AssertionError("five pushes in a row lost to the collector");
    }

    /** Mounts from {@code from} when given and possible, else a monolithic upload; false if GC won a race. */
    private boolean putBlob(WharfProcess node, String repo, byte[] content, String from) throws Exception {
        Digest digest = Digest.sha256(content);
        if (from != null && !from.equals(repo)) {
            HttpResponse<byte[]> m = send(node, "POST", "/v2/" + repo + "/blobs/uploads/?mount=" + digest + "&from="
                    + from, new byte[0]);
            if (m.statusCode() == 201) {
                mounts.incrementAndGet();
                return true;
            }
            if (m.statusCode() == 202) {
                // Not mountable: cancel the session the registry opened instead, then upload below.
                String location = m.headers().firstValue("Location").orElseThrow();
                send(node, "DELETE", location, null);
            }
        }
        HttpResponse<byte[]> r = send(node, "POST", "/v2/" + repo + "/blobs/uploads/?digest=" + digest, content,
                "Content-Type", "application/octet-stream");
        if (r.statusCode() == 201) return true;
        if (r.statusCode() == 400 && new String(r.body()).contains("BLOB_UPLOAD_INVALID")) return false;
        throw new AssertionError("blob upload: " + r.statusCode() + " " + new String(r.body()));
    }

    private void retag(WharfProcess node, String repo, String tag, String newTag) throws Exception {
        HttpResponse<byte[]> m = send(node, "GET", "/v2/" + repo + "/manifests/" + tag, null, "Accept", OCI_MANIFEST);
        if (m.statusCode() == 404) return;
        assertThat(m.statusCode()).isEqualTo(200);
        HttpResponse<byte[]> r = send(node, "PUT", "/v2/" + repo + "/manifests/" + newTag, m.body(),
                "Content-Type", OCI_MANIFEST);
        // 404 MANIFEST_BLOB_UNKNOWN is impossible here unless the manifest was untagged and collected meanwhile
        if (r.statusCode() == 201) retags.incrementAndGet();
        else if (r.statusCode() != 404) throw new AssertionError("retag: " + r.statusCode() + " " + new String(r.body()));
    }

    private void delete(WharfProcess node, String repo, String tag, boolean wholeManifest) throws Exception {
        String reference = tag;
        if (wholeManifest) {
            HttpResponse<byte[]> head = send(node, "HEAD", "/v2/" + repo + "/manifests/" + tag, null,
                    "Accept", OCI_MANIFEST);
            if (head.statusCode() != 200) return;
            reference = head.headers().firstValue("Docker-Content-Digest").orElseThrow();
        }
        HttpResponse<byte[]> r = send(node, "DELETE", "/v2/" + repo + "/manifests/" + reference, null);
        if (r.statusCode() == 202) deletes.incrementAndGet();
        else if (r.statusCode() != 404) throw new AssertionError("delete: " + r.statusCode() + " " + new String(r.body()));
    }

    /** A pull during the load; a tag may move or go meanwhile, so only a completed verification is counted. */
    private void pull(WharfProcess node, String repo, String tag) throws Exception {
        HttpResponse<byte[]> m = send(node, "GET", "/v2/" + repo + "/manifests/" + tag, null, "Accept", OCI_MANIFEST);
        if (m.statusCode() == 404) return;
        assertThat(m.statusCode()).isEqualTo(200);
        pulls.incrementAndGet();
        for (JsonNode d : descriptors(m.body())) {
            HttpResponse<byte[]> b = send(node, "GET", "/v2/" + repo + "/blobs/" + d.path("digest").asText(), null);
            if (b.statusCode() == 200 && Digest.sha256(b.body()).toString().equals(d.path("digest").asText())) {
                blobsVerifiedDuringLoad.incrementAndGet();
            } else {
                pullsOfMovedTags.incrementAndGet();
                return;
            }
        }
    }

    // --- the checks --------------------------------------------------------------------------------------

    /** @return {tagged images, missing blobs, corrupt blobs} over every tag of every repository, on both nodes */
    private long[] verifyTaggedImages() throws Exception {
        long images = 0;
        long missing = 0;
        long corrupt = 0;
        for (String repo : REPOSITORIES) {
            HttpResponse<byte[]> list = send(nodes.get(0), "GET", "/v2/" + repo + "/tags/list?n=1000", null);
            if (list.statusCode() == 404) continue;
            for (JsonNode t : json.readTree(list.body()).path("tags")) {
                for (WharfProcess node : nodes) {
                    HttpResponse<byte[]> m = send(node, "GET", "/v2/" + repo + "/manifests/" + t.asText(), null,
                            "Accept", OCI_MANIFEST);
                    assertThat(m.statusCode()).as(repo + ":" + t.asText()).isEqualTo(200);
                    images++;
                    for (JsonNode d : descriptors(m.body())) {
                        String digest = d.path("digest").asText();
                        HttpResponse<byte[]> b = send(node, "GET", "/v2/" + repo + "/blobs/" + digest, null);
                        if (b.statusCode() != 200) {
                            missing++;
                            System.out.printf("[GcStressIT] MISSING %s %s:%s %s -> %d%n", node.host(), repo,
                                    t.asText(), digest, b.statusCode());
                        } else if (!Digest.sha256(b.body()).toString().equals(digest)
                                || b.body().length != d.path("size").asLong()) {
                            corrupt++;
                        }
                    }
                }
            }
        }
        return new long[] {images, missing, corrupt};
    }

    /** Runs passes (via /admin/gc) until storage equals what manifests reference; returns the wait in ms. */
    private long awaitNoGarbage() throws Exception {
        long t0 = System.nanoTime();
        Thread.sleep(GRACE.multipliedBy(2).plusSeconds(1).toMillis()); // untagged grace, then blob grace
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            adminGc("POST", "");
            if (storedBlobs().equals(referencedBlobs())) break;
            Thread.sleep(1000);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private JsonNode adminGc(String method, String query) throws Exception {
        String basic = Base64.getEncoder().encodeToString((WharfProcess.ADMIN.username() + ":"
                + WharfProcess.ADMIN.password()).getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = send(nodes.get(0), method, "/admin/gc" + query, method.equals("POST") ? new byte[0]
                : null, "Authorization", "Basic " + basic);
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        return json.readTree(r.body());
    }

    private Set<String> referencedBlobs() throws Exception {
        return query("SELECT DISTINCT digest FROM manifest_blobs");
    }

    private Set<String> storedBlobs() {
        Set<String> digests = new TreeSet<>();
        try (S3Client client = s3.client()) {
            for (S3Object o : client.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix("blobs/")).contents()) {
                String[] parts = o.key().split("/"); // blobs/<alg>/<2 hex>/<hex>; S3Proxy also lists directories
                if (parts.length == 4) digests.add(parts[1] + ":" + parts[3]);
            }
        }
        return digests;
    }

    private List<JsonNode> descriptors(byte[] manifest) throws Exception {
        JsonNode root = json.readTree(manifest);
        List<JsonNode> all = new ArrayList<>();
        all.add(root.path("config"));
        root.path("layers").forEach(all::add);
        return all;
    }

    private Set<String> query(String sql) throws Exception {
        Set<String> out = new HashSet<>();
        try (Connection db = DriverManager.getConnection(DB_URL, DB_USER, null); Statement s = db.createStatement()) {
            s.execute("SET search_path TO \"" + schema + "\"");
            try (ResultSet rs = s.executeQuery(sql)) {
                while (rs.next()) out.add(rs.getString(1));
            }
        }
        return new TreeSet<>(out);
    }

    private long count(String sql) throws Exception {
        try (Connection db = DriverManager.getConnection(DB_URL, DB_USER, null); Statement s = db.createStatement()) {
            s.execute("SET search_path TO \"" + schema + "\"");
            try (ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private HttpResponse<byte[]> send(WharfProcess node, String method, String path, byte[] body, String... headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + node.host() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static boolean postgresAnswers() {
        try (Connection c = DriverManager.getConnection(DB_URL, DB_USER, null)) {
            return c.isValid(2);
        } catch (Exception e) {
            return false;
        }
    }
}
