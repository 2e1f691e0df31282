package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.it.support.Credentials;
import dev.wharf.it.support.ItResources;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.RegistryHttp.Response;
import dev.wharf.it.support.RegistryServer;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.StallingProxy;
import dev.wharf.it.support.WharfProcess;
import dev.wharf.storage.blob.S3Proxy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * Three stateless Wharf nodes (A, B, C) with one configuration serve one registry: they share PostgreSQL
 * (metadata, in a schema of this run), S3 (blobs and upload staging, a real S3 endpoint from S3Proxy), Redis
 * (rate-limit buckets and sign-in failure counts) and {@code WHARF_SECRET_KEY} (which seals the token signing key stored in the database).
 * The nodes start at the same time, so Flyway migrates under a concurrent start.
 *
 * <p>The steps run in order on the same cluster; step 5 kills node B, step 6 uses A and C.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ResourceLock(ItResources.POSTGRESQL_CLUSTER)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiNodeIT {
    private static final String DB_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String DB_USER = "postgres";
    private static final String REDIS_URL = "redis://127.0.0.1:6379";
    private static final long MIB = 1024 * 1024;
    private static final int ANONYMOUS_PULLS = 3;
    private static final Duration PUSH_TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    static Path work;

    /** Unique per run: the schema, repository names and the rate-limit window (part of the Redis key). */
    private final String run = HexFormat.of().formatHex(new SecureRandom().generateSeed(4));
    private final String schema = "mn_it_" + run;
    private final String ns = "mn" + run;

    /** Not the common pool: on a 2-core machine it has one thread, which would serialize the "concurrent" work. */
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private S3Proxy s3;
    private final List<WharfProcess> nodes = new ArrayList<>();
    private WharfProcess a;
    private WharfProcess b;
    private WharfProcess c;
    private boolean schemaCreated;

    /** Filled by the steps, checked again after node B is killed. */
    private Path step1Layout;
    private OciLayouts.Image step1Image;
    private String step2Digest;
    private byte[] step2Bytes;
    private final Map<String, String> step3Tags = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    void startCluster() throws Exception {
        assumeTrue(dev.wharf.testing.PostgresSchema.available(),
                "PostgreSQL does not answer on " + DB_URL + " as " + DB_USER);
        assumeTrue(redisAnswers(), "Redis does not answer on 127.0.0.1:6379");
        if (System.getProperty("s3proxy.jar") == null && System.getProperty("wharf.jar") != null) {
            // failsafe only passes wharf.jar; the build copies S3Proxy next to it (target/s3proxy/).
            System.setProperty("s3proxy.jar",
                    Path.of(System.getProperty("wharf.jar")).toAbsolutePath().getParent()
                            .resolve("s3proxy").resolve("s3proxy.jar").toString());
        }
        long t0 = System.nanoTime();
        s3 = S3Proxy.start(Files.createDirectory(work.resolve("s3")), "wharf-multinode");
        schemaCreated = true; // the nodes create it; drop it whatever happens from here on

        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String window = (3600 + new SecureRandom().nextInt(1_000_000)) + "s";
        Map<String, String> env = Map.ofEntries(
                Map.entry("WHARF_DB_URL", DB_URL),
                Map.entry("WHARF_DB_USER", DB_USER),
                Map.entry("WHARF_DB_SCHEMA", schema),
                Map.entry("WHARF_STORAGE_DRIVER", "s3"),
                Map.entry("WHARF_STORAGE_S3_ENDPOINT", s3.endpoint()),
                Map.entry("WHARF_STORAGE_S3_BUCKET", "wharf-multinode"),
                Map.entry("WHARF_STORAGE_S3_REGION", S3Proxy.REGION),
                Map.entry("WHARF_STORAGE_S3_PATH_STYLE", "true"),
                Map.entry("WHARF_STORAGE_S3_ACCESS_KEY", S3Proxy.ACCESS_KEY),
                Map.entry("WHARF_STORAGE_S3_SECRET_KEY", S3Proxy.SECRET_KEY),
                Map.entry("WHARF_REDIS_URL", REDIS_URL),
                Map.entry("WHARF_SECRET_KEY", Base64.getEncoder().encodeToString(key)),
                Map.entry("WHARF_RATELIMIT_PULLS_ANONYMOUS", String.valueOf(ANONYMOUS_PULLS)),
                Map.entry("WHARF_RATELIMIT_PULLS_WINDOW", window),
                Map.entry("WHARF_REPOSITORIES_DEFAULT_PRIVATE", "false"));

        // All three at once: Flyway migrations, the first administrator and the signing key race on one schema.
        List<CompletableFuture<WharfProcess>> starts = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            Path dataDir = Files.createDirectory(work.resolve("node-" + name));
            starts.add(CompletableFuture.supplyAsync(() -> WharfProcess.start(dataDir, env), threads));
        }
        List<Throwable> failures = new ArrayList<>();
        for (CompletableFuture<WharfProcess> start : starts) {
            try {
                nodes.add(start.get(3, TimeUnit.MINUTES));
            } catch (Exception e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException(failures.size() + " of 3 nodes failed a concurrent start");
            failures.forEach(e::addSuppressed);
            throw e;
        }
        a = nodes.get(0);
        b = nodes.get(1);
        c = nodes.get(2);
        System.out.printf("[MultiNodeIT] schema %s, window %s, S3 %s, nodes A=%s B=%s C=%s started in %d ms%n",
                schema, window, s3.endpoint(), a.host(), b.host(), c.host(), millisSince(t0));
    }

    @AfterAll
    void stopCluster() throws Exception {
        threads.shutdownNow();
        List<Throwable> problems = new ArrayList<>();
        for (WharfProcess node : nodes) {
            try {
                node.stop();
            } catch (RuntimeException e) {
                problems.add(e);
            }
        }
        if (s3 != null) {
            s3.close();
        }
        if (schemaCreated) {
            try (Connection db = DriverManager.getConnection(DB_URL, DB_USER, null);
                    Statement s = db.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
            }
        }
        if (!problems.isEmpty()) {
            IllegalStateException e = new IllegalStateException("stopping the nodes");
            problems.forEach(e::addSuppressed);
            throw e;
        }
    }

    @Test
    @Order(1)
    void imagePushedToOneNodeIsServedByAll() {
        long t0 = System.nanoTime();
        step1Layout = work.resolve("step1");
        step1Image = OciLayouts.image(step1Layout, "1", 11, 300_000, 1_200_000, 5_000);
        String ref = ns + "/app:1";

        Skopeo.copy(oci(step1Layout, "1"), docker(a, ref));

        byte[] onA = Skopeo.inspectRaw(docker(a, ref));
        assertThat(onA).isEqualTo(step1Image.manifest());
        assertThat(Skopeo.inspectRaw(docker(b, ref))).as("manifest via B").isEqualTo(onA);
        assertThat(Skopeo.inspectRaw(docker(c, ref))).as("manifest via C").isEqualTo(onA);

        Path back = work.resolve("step1-back-from-c");
        Skopeo.copy(docker(c, ref), oci(back, "1"));
        assertThat(OciLayouts.digestOf(back, "1")).isEqualTo(step1Image.digest());
        SkopeoIT.assertSameBlobs(step1Layout, back);
        System.out.printf("[MultiNodeIT] step 1 (push A, inspect B+C, pull C) %d ms%n", millisSince(t0));
    }

    @Test
    @Order(2)
    void chunkedUploadSpreadOverNodesWithOneToken() {
        long t0 = System.nanoTime();
        String repo = ns + "/chunked";
        // A token issued by A only: B and C can accept it only if they verify with the key A signed it with.
        String token = adminToken(a, repo);
        for (WharfProcess node : List.of(b, c)) {
            Response base = RegistryHttp.raw(node, "GET", "/v2/", null, token);
            assertThat(base.status()).as("GET /v2/ on %s with A's token: %s", node.host(), base).isEqualTo(200);
            Response tags = RegistryHttp.raw(node, "GET", "/v2/" + repo + "/tags/list", null, token);
            assertThat(tags.status()).as("tags/list on %s with A's token: %s", node.host(), tags)
                    .isNotIn(401, 403);
        }

        byte[] chunk1 = randomBytes(21, 6 * (int) MIB + 123); // more than one S3 part: B flushes a part
        byte[] chunk2 = randomBytes(22, 3 * (int) MIB + 7);
        byte[] all = new byte[chunk1.length + chunk2.length];
        System.arraycopy(chunk1, 0, all, 0, chunk1.length);
        System.arraycopy(chunk2, 0, all, chunk1.length, chunk2.length);
        String digest = OciLayouts.sha256(all);

        Response started = RegistryHttp.raw(a, "POST", "/v2/" + repo + "/blobs/uploads/", null, token);
        assertThat(started.status()).as("POST on A: %s", started).isEqualTo(202);
        String location = relativeLocation(started);

        Response patch1 = RegistryHttp.raw(b, "PATCH", location, chunk1, token,
                "Content-Type", "application/octet-stream");
        assertThat(patch1.status()).as("PATCH chunk 1 on B: %s", patch1).isEqualTo(202);
        assertThat(patch1.header("Range")).contains("0-" + (chunk1.length - 1));
        location = relativeLocation(patch1);

        Response patch2 = RegistryHttp.raw(c, "PATCH", location, chunk2, token,
                "Content-Type", "application/octet-stream",
                "Content-Range", chunk1.length + "-" + (all.length - 1));
        assertThat(patch2.status()).as("PATCH chunk 2 on C: %s", patch2).isEqualTo(202);
        assertThat(patch2.header("Range")).contains("0-" + (all.length - 1));
        location = relativeLocation(patch2);

        Response status = RegistryHttp.raw(b, "GET", location, null, token);
        assertThat(status.status()).as("upload status on B: %s", status).isEqualTo(204);
        assertThat(status.header("Range")).contains("0-" + (all.length - 1));

        Response put = RegistryHttp.raw(a, "PUT", withQuery(location, "digest=" + digest), null, token);
        assertThat(put.status()).as("PUT ?digest= on A: %s", put).isEqualTo(201);
        assertThat(put.header("Docker-Content-Digest")).contains(digest);

        Response blob = RegistryHttp.raw(b, "GET", "/v2/" + repo + "/blobs/" + digest, null, token);
        assertThat(blob.status()).as("GET blob on B: %s", blob.status()).isEqualTo(200);
        assertThat(blob.body()).as("blob bytes via B").isEqualTo(all);
        step2Digest = digest;
        step2Bytes = all;
        System.out.printf("[MultiNodeIT] step 2 (POST A, PATCH B, PATCH C, PUT A, GET B; %d bytes) %d ms%n",
                all.length, millisSince(t0));
    }

    @Test
    @Order(3)
    void concurrentPushesOfOneTagLeaveAConsistentHistory() throws Exception {
        long t0 = System.nanoTime();
        String repo = ns + "/race";
        Path layoutX = work.resolve("race-x");
        Path layoutY = work.resolve("race-y");
        OciLayouts.Image x = OciLayouts.image(layoutX, "1", 31, 200_000, 3_000);
        OciLayouts.Image y = OciLayouts.image(layoutY, "1", 32, 200_000, 3_000);
        String tokenA = adminToken(a, repo);
        String tokenB = adminToken(b, repo);
        for (String blob : x.blobs()) uploadBlob(a, repo, tokenA, readAllBytes(OciLayouts.blob(layoutX, blob)));
        for (String blob : y.blobs()) uploadBlob(b, repo, tokenB, readAllBytes(OciLayouts.blob(layoutY, blob)));

        // Several rounds, each a fresh tag, so at least some PUTs really overlap.
        for (int round = 0; round < 3; round++) {
            String tag = "race" + round;
            CyclicBarrier together = new CyclicBarrier(2);
            CompletableFuture<Response> onA = CompletableFuture.supplyAsync(
                    () -> putManifest(a, repo, tag, x.manifest(), tokenA, together), threads);
            CompletableFuture<Response> onB = CompletableFuture.supplyAsync(
                    () -> putManifest(b, repo, tag, y.manifest(), tokenB, together), threads);
            Response ra = onA.get(1, TimeUnit.MINUTES);
            Response rb = onB.get(1, TimeUnit.MINUTES);
            assertThat(ra.status()).as("PUT %s on A: %s", tag, ra).isEqualTo(201);
            assertThat(rb.status()).as("PUT %s on B: %s", tag, rb).isEqualTo(201);

            List<String[]> history = tagHistory(repo, tag);
            assertThat(history).as("tag_history rows of %s", tag).hasSize(2);
            String[] first = history.get(0);
            String[] second = history.get(1);
            assertThat(first[0]).as("first event").isEqualTo("PUSH");
            assertThat(first[2]).as("previous_digest of the PUSH").isNull();
            assertThat(first[1]).isIn(x.digest(), y.digest());
            assertThat(second[0]).as("second event").isEqualTo("MOVE");
            assertThat(second[2]).as("previous_digest of the MOVE").isEqualTo(first[1]);
            assertThat(second[1]).as("the MOVE goes to the other manifest")
                    .isIn(x.digest(), y.digest()).isNotEqualTo(first[1]);
            for (WharfProcess node : nodes) {
                Response head = RegistryHttp.asAdmin(node).head(node, "/v2/" + repo + "/manifests/" + tag);
                assertThat(head.status()).isEqualTo(200);
                assertThat(head.header("Docker-Content-Digest")).as("%s on %s", tag, node.host())
                        .contains(second[1]);
            }
            step3Tags.put(repo + ":" + tag, second[1]);
            System.out.printf("[MultiNodeIT] step 3 round %d: %s then %s%n", round,
                    first[1].equals(x.digest()) ? "A" : "B", second[1].equals(x.digest()) ? "A" : "B");
        }
        System.out.printf("[MultiNodeIT] step 3 (concurrent tag pushes on A and B) %d ms%n", millisSince(t0));
    }

    @Test
    @Order(4)
    void anonymousPullLimitHoldsAcrossNodes() {
        long t0 = System.nanoTime();
        String repo = ns + "/public";
        Path layout = work.resolve("public");
        OciLayouts.image(layout, "1", 41, 50_000);
        Skopeo.copy(oci(layout, "1"), docker(a, repo + ":1"));
        String path = "/v2/" + repo + "/manifests/1";

        RegistryHttp.Client anonymous = RegistryHttp.as(null);
        List<WharfProcess> order = List.of(a, b, c);
        for (int i = 0; i < ANONYMOUS_PULLS; i++) {
            WharfProcess node = order.get(i % order.size());
            Response pull = anonymous.get(node, path);
            assertThat(pull.status()).as("anonymous pull %d on %s: %s", i + 1, node.host(), pull).isEqualTo(200);
            String remaining = String.valueOf(ANONYMOUS_PULLS - 1 - i);
            assertThat(pull.header("ratelimit-remaining")).as("remaining after pull %d", i + 1)
                    .hasValueSatisfying(v -> assertThat(v).startsWith(remaining));
        }
        for (WharfProcess node : order) {
            Response over = anonymous.get(node, path);
            assertThat(over.status()).as("anonymous pull over the limit on %s: %s", node.host(), over).isEqualTo(429);
            assertThat(over.errorCode()).isEqualTo("TOOMANYREQUESTS");
        }
        // The administrator's pulls have their own budget.
        assertThat(RegistryHttp.asAdmin(b).get(b, path).status()).isEqualTo(200);
        System.out.printf("[MultiNodeIT] step 4 (anonymous pull limit over A, B, C) %d ms%n", millisSince(t0));
    }

    @Test
    @Order(5)
    void killingANodeMidUploadLosesNothingAcknowledged() throws Exception {
        long t0 = System.nanoTime();
        // Acknowledged through B just before the crash.
        Path viaB = work.resolve("via-b");
        OciLayouts.Image viaBImage = OciLayouts.image(viaB, "1", 51, 400_000, 2_000);
        Skopeo.copy(oci(viaB, "1"), docker(b, ns + "/via-b:1"));

        Path big = work.resolve("big");
        OciLayouts.Image bigImage = OciLayouts.image(big, "1", 52, 32 * MIB);
        long cap = 12 * MIB; // past two S3 parts' worth: B has written parts when it dies
        try (StallingProxy proxy = new StallingProxy(port(b), cap)) {
            Skopeo.rememberCredentials(proxy.host(), WharfProcess.ADMIN);
            CompletableFuture<Skopeo.Result> bigPush = CompletableFuture.supplyAsync(() -> Skopeo.tryCopy(
                    PUSH_TIMEOUT, oci(big, "1"), "docker://" + proxy.host() + "/" + ns + "/big:1"), threads);
            assertThat(proxy.awaitStalled(2, TimeUnit.MINUTES)).as("big upload reached the proxy cap").isTrue();
            Thread.sleep(500); // let B take in what the proxy forwarded
            b.kill9();
            Skopeo.Result result = bigPush.get(PUSH_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
            assertThat(result.ok()).as("push through the killed node").isFalse();
        }
        System.out.printf("[MultiNodeIT] step 5: B killed with the 32 MiB upload held at %d MiB%n", cap / MIB);

        for (WharfProcess node : List.of(a, c)) {
            assertPullable(node, viaB, viaBImage, ns + "/via-b:1");
            if (step1Image != null) {
                assertPullable(node, step1Layout, step1Image, ns + "/app:1");
            }
            if (step2Digest != null) {
                Response blob = RegistryHttp.asAdmin(node).get(node, "/v2/" + ns + "/chunked/blobs/" + step2Digest);
                assertThat(blob.status()).isEqualTo(200);
                assertThat(blob.body()).as("chunked blob via %s", node.host()).isEqualTo(step2Bytes);
            }
            step3Tags.forEach((ref, digest) -> {
                String[] repoTag = ref.split(":");
                Response head = RegistryHttp.asAdmin(node).head(node, "/v2/" + repoTag[0] + "/manifests/" + repoTag[1]);
                assertThat(head.header("Docker-Content-Digest")).as("%s via %s", ref, node.host()).contains(digest);
            });
            assertThat(RegistryHttp.manifestStatus(node, ns + "/big", "1")).as("interrupted tag").isEqualTo(404);
            assertThat(RegistryHttp.blobStatus(node, ns + "/big", bigImage.blobs().get(1)))
                    .as("interrupted layer").isEqualTo(404);
        }

        // A new push through A works, the same image included, and C serves it.
        Skopeo.copy(oci(big, "1"), docker(a, ns + "/big:1"));
        Path back = work.resolve("big-back-from-c");
        Skopeo.copy(docker(c, ns + "/big:1"), oci(back, "1"));
        SkopeoIT.assertSameBlobs(big, back);
        System.out.printf("[MultiNodeIT] step 5 (kill -9 B mid-upload, checks, new push A) %d ms%n", millisSince(t0));
    }

    /**
     * The attack a per-node login throttle let through: a guesser behind the load balancer spreads wrong passwords
     * over the nodes. Six failures over A and C (three each, under the five free per node that a per-node count
     * would allow) lock the account for that address on both, so even the right password is refused for now.
     * The counts are cleared afterwards: the address is 127.0.0.1, which later runs on this Redis use too.
     */
    @Test
    @Order(6)
    void failedSignInsCountOnceForTheWholeCluster() throws Exception {
        long t0 = System.nanoTime();
        clearLoginCounts(); // counts an earlier run on this machine's Redis left for this address
        try {
            // The administrator: the one account every node knows (the CLI writes to a node's own data directory).
            Credentials admin = a.credentials().orElseThrow();
            String user = admin.username();
            String password = admin.password();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            List<WharfProcess> order = List.of(a, c);
            for (WharfProcess node : order) {
                assertThat(hubLogin(http, node, user, password).statusCode()).as("right password on %s first",
                        node.host()).isEqualTo(200);
            }
            for (int i = 0; i < 6; i++) {
                WharfProcess node = order.get(i % order.size());
                assertThat(hubLogin(http, node, user, "wrong-" + i).statusCode())
                        .as("wrong password %d on %s", i + 1, node.host()).isEqualTo(401);
            }
            long locked = System.nanoTime();
            for (WharfProcess node : order) {
                java.net.http.HttpResponse<String> refused = hubLogin(http, node, user, password);
                // Status only in the message: a 200's body is a session token.
                assertThat(refused.statusCode()).as("right password on %s, %d ms into the 1 s lock", node.host(),
                        millisSince(locked)).isEqualTo(429);
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            }
        } finally {
            clearLoginCounts();
        }
        System.out.printf("[MultiNodeIT] step 6 (sign-in failures counted across A and C) %d ms%n", millisSince(t0));
    }

    private static java.net.http.HttpResponse<String> hubLogin(java.net.http.HttpClient http, WharfProcess node,
            String username, String password) throws Exception {
        String body = "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}";
        return http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://" + node.host()
                        + "/v2/users/login")).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /** The login throttle's keys in the shared Redis: this test's failures must not lock later runs' address. */
    private static void clearLoginCounts() {
        try (redis.clients.jedis.JedisPooled redis = new redis.clients.jedis.JedisPooled(java.net.URI.create(REDIS_URL))) {
            for (String key : redis.keys("wharf:login:*")) redis.del(key);
        }
    }

    private void assertPullable(WharfProcess node, Path layout, OciLayouts.Image image, String ref) {
        assertThat(OciLayouts.sha256(Skopeo.inspectRaw(docker(node, ref)))).as("%s via %s", ref, node.host())
                .isEqualTo(image.digest());
        Path back = work.resolve("back-" + node.host().replace(':', '-') + "-" + ref.replace('/', '-').replace(':', '-'));
        Skopeo.copy(docker(node, ref), oci(back, "1"));
        SkopeoIT.assertSameBlobs(layout, back);
    }

    /** A push+pull token for {@code repo} from {@code node}'s realm, as an Authorization value. */
    private static String adminToken(WharfProcess node, String repo) {
        Response challenge = RegistryHttp.raw(node, "POST", "/v2/" + repo + "/blobs/uploads/");
        assertThat(challenge.status()).as("unauthenticated POST: %s", challenge).isEqualTo(401);
        Response token = RegistryHttp.asAdmin(node).token(challenge.header("WWW-Authenticate").orElseThrow());
        assertThat(token.status()).as("token from %s: %s", node.host(), token).isEqualTo(200);
        return "Bearer " + token.json().path("token").asText();
    }

    private static void uploadBlob(WharfProcess node, String repo, String token, byte[] bytes) {
        Response started = RegistryHttp.raw(node, "POST", "/v2/" + repo + "/blobs/uploads/", null, token);
        assertThat(started.status()).as("POST: %s", started).isEqualTo(202);
        Response put = RegistryHttp.raw(node, "PUT",
                withQuery(relativeLocation(started), "digest=" + OciLayouts.sha256(bytes)), bytes, token,
                "Content-Type", "application/octet-stream");
        assertThat(put.status()).as("PUT: %s", put).isEqualTo(201);
    }

    private static Response putManifest(WharfProcess node, String repo, String tag, byte[] manifest, String token,
            CyclicBarrier together) {
        try {
            together.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return RegistryHttp.raw(node, "PUT", "/v2/" + repo + "/manifests/" + tag, manifest, token,
                "Content-Type", OciLayouts.MANIFEST);
    }

    /** (action, digest, previous_digest) of the tag's history, oldest first. */
    private List<String[]> tagHistory(String repo, String tag) throws SQLException {
        List<String[]> rows = new ArrayList<>();
        try (Connection db = DriverManager.getConnection(DB_URL, DB_USER, null);
                PreparedStatement q = db.prepareStatement("SELECT h.action, h.digest, h.previous_digest FROM \""
                        + schema + "\".tag_history h JOIN \"" + schema + "\".repositories r"
                        + " ON r.id = h.repository_id WHERE r.name = ? AND h.tag = ? ORDER BY h.id")) {
            q.setString(1, repo);
            q.setString(2, tag);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) rows.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
            }
        }
        return rows;
    }

    /** Locations are relative paths, so the next request of an upload can go to any node. */
    private static String relativeLocation(Response response) {
        String location = response.header("Location").orElseThrow(() -> new AssertionError("no Location: " + response));
        assertThat(location).as("Location is a relative path").startsWith("/v2/");
        return location;
    }

    private static String withQuery(String path, String query) {
        return path + (path.contains("?") ? "&" : "?") + query;
    }

    private static byte[] randomBytes(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] readAllBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int port(RegistryServer registry) {
        return Integer.parseInt(registry.host().substring(registry.host().lastIndexOf(':') + 1));
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    private static boolean redisAnswers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", 6379), 2000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(5);
            return new String(reply, StandardCharsets.US_ASCII).equals("+PONG");
        } catch (IOException e) {
            return false;
        }
    }
}
