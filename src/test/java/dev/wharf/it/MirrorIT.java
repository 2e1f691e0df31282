package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.it.support.CountingProxy;
import dev.wharf.it.support.Credentials;
import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull-through mirrors against CNCF Distribution with htpasswd auth as the upstream, reached through a loopback
 * proxy that counts GETs (what the upstream really served) and slows answers so downloads overlap and can be cut.
 */
class MirrorIT {
    private static final long MIB = 1024 * 1024;
    private static final Credentials UPSTREAM = new Credentials("mirror-bot", "upstream-secret-42");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path work;

    @BeforeEach
    void tools() {
        assumeTrue(DistributionProcess.htpasswdAvailable(), "htpasswd (apache2-utils) is needed for the upstream");
    }

    private DistributionProcess upstream() throws Exception {
        return DistributionProcess.startWithUser(Files.createDirectories(work.resolve("upstream")),
                UPSTREAM.username(), UPSTREAM.password());
    }

    private static void push(Path layout, String tag, DistributionProcess upstream, String target, String... extra) {
        String[] args = Stream.concat(Stream.of("--dest-creds", UPSTREAM.colonSeparated()), Stream.of(extra))
                .toArray(String[]::new);
        Skopeo.copy(Skopeo.oci(layout, tag), "docker://" + upstream.host() + "/" + target, args);
    }

    private WharfProcess wharf(CountingProxy proxy, String revalidate) throws Exception {
        return WharfProcess.start(Files.createDirectories(work.resolve("wharf")), Map.of(
                "WHARF_MIRRORS_UPSTREAMS", "up=http://" + proxy.host(),
                "WHARF_MIRRORS_CREDENTIALS", "up=" + UPSTREAM.colonSeparated(),
                "WHARF_MIRRORS_HUB", "up",
                "WHARF_MIRRORS_REVALIDATE_AFTER", revalidate,
                "WHARF_MIRRORS_UPSTREAM_TIMEOUT", "3s"));
    }

    @Test
    void coldAndWarmPullsMultiArchTagMovesAdminApiAndReadOnly() throws Exception {
        Path layout = work.resolve("layout");
        OciLayouts.Image first = OciLayouts.image(layout, "1", 21, 2 * MIB, 300_000);
        OciLayouts.Image second = OciLayouts.image(layout, "2", 22, 1 * MIB);
        OciLayouts.Index multi = OciLayouts.multiArch(layout, "m", 23, 500_000, 100_000);
        try (DistributionProcess upstream = upstream();
                CountingProxy proxy = new CountingProxy(upstream.port(), 200 * MIB);
                WharfProcess wharf = wharf(proxy, "2s")) {
            push(layout, "1", upstream, "team/app:1");
            push(layout, "m", upstream, "team/multi:m", "--all");
            push(layout, "1", upstream, "team/multi:also");

            // A tag list is the upstream's, before anything of the repository is cached, under the mirror's name and
            // under the Docker Hub name a registry-mirrors client would use.
            for (String name : List.of("up/team/multi", "team/multi")) {
                JsonNode listed = JSON.readTree(Skopeo.run("list-tags", "--tls-verify=false",
                        "docker://" + wharf.host() + "/" + name).stdout());
                assertThat(listed.path("Tags").toString()).as(name).isEqualTo("[\"also\",\"m\"]");
            }

            // Cold pull: everything comes from the upstream, digest for digest.
            Path cold = work.resolve("cold");
            Skopeo.copy("docker://" + wharf.host() + "/up/team/app:1", Skopeo.oci(cold, "1"));
            assertThat(OciLayouts.digestOf(cold, "1")).isEqualTo(first.digest());
            for (String blob : first.blobs()) {
                assertThat(proxy.gets("/v2/team/app/blobs/" + blob)).as(blob).isEqualTo(1);
            }
            // Warm pull: no blob is asked of the upstream again.
            Skopeo.copy("docker://" + wharf.host() + "/up/team/app:1", Skopeo.oci(work.resolve("warm"), "1"));
            for (String blob : first.blobs()) assertThat(proxy.gets("/v2/team/app/blobs/" + blob)).isEqualTo(1);
            // Distribution 2.8 has no referrers API: the mirror says so with a 404, which sends clients (notation,
            // oras) to the tag schema's sha256-<hex> tag, an ordinary tag pulled through; a 200 with an empty index
            // would tell them there are no signatures.
            RegistryHttp.Response referrers = RegistryHttp.asAdmin(wharf).get(wharf,
                    "/v2/up/team/app/referrers/" + first.digest());
            assertThat(referrers.status()).as(referrers.text()).isEqualTo(404);
            assertThat(referrers.text()).contains("no referrers API");

            // A Docker daemon's registry-mirrors request (no prefix) reaches the Hub mirror; a user's name does not.
            RegistryHttp.Response routed = RegistryHttp.asAdmin(wharf).get(wharf, "/v2/team/app/manifests/1");
            assertThat(routed.status()).as(routed.text()).isEqualTo(200);
            assertThat(routed.header("Docker-Content-Digest")).contains(first.digest());
            RegistryHttp.Response own = RegistryHttp.asAdmin(wharf).get(wharf, "/v2/admin/app/manifests/1");
            assertThat(own.status()).isEqualTo(404);
            assertThat(own.errorCode()).isIn("NAME_UNKNOWN", "MANIFEST_UNKNOWN");

            // The Hub repository views show the cached repository as a mirror's, its tag as ordinary content (once
            // the last layer is stored, which may be a moment after the client had it).
            HttpResponse<String> login = admin(wharf, "POST", "/v2/users/login", "{\"username\": \""
                    + WharfProcess.ADMIN.username() + "\", \"password\": \"" + WharfProcess.ADMIN.password() + "\"}");
            String session = JSON.readTree(login.body()).path("token").asText();
            HttpRequest listRequest = HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                    + "/v2/namespaces/up/repositories")).header("Authorization", "Bearer " + session).build();
            try (HttpClient http = HttpClient.newHttpClient()) {
                long promoted = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                JsonNode repos;
                JsonNode app;
                do {
                    Thread.sleep(100);
                    repos = JSON.readTree(http.send(listRequest, HttpResponse.BodyHandlers.ofString()).body());
                    app = null;
                    for (JsonNode r : repos.path("results")) {
                        if (r.path("mirror").path("upstream_repository").asText().equals("team/app")) app = r;
                    }
                } while ((app == null || app.path("tag_count").asInt() < 1) && System.nanoTime() < promoted);
                assertThat(app).as(repos.toString()).isNotNull();
                assertThat(app.path("mirror").path("upstream").asText()).isEqualTo("http://" + proxy.host());
                assertThat(app.path("mirror").path("last_revalidated").isTextual()).isTrue();
                assertThat(app.path("tag_count").asInt()).isEqualTo(1);
            }

            // Multi-arch: the index and both platforms, byte for byte; then a digest pull never goes upstream.
            Path multiOut = work.resolve("multi");
            Skopeo.copy("docker://" + wharf.host() + "/up/team/multi:m", Skopeo.oci(multiOut, "m"), "--all");
            assertThat(OciLayouts.digestOf(multiOut, "m")).isEqualTo(multi.digest());
            for (OciLayouts.Image child : multi.images()) {
                assertThat(OciLayouts.blobs(multiOut)).containsAll(child.blobs());
            }
            String child = multi.images().get(1).digest();
            int before = proxy.gets("/v2/team/multi/manifests/" + child);
            Skopeo.copy("docker://" + wharf.host() + "/up/team/multi@" + child, Skopeo.oci(work.resolve("child"), "c"));
            assertThat(proxy.gets("/v2/team/multi/manifests/" + child)).isEqualTo(before);

            // A mirror with a long interval through the admin API (audited), on the same upstream.
            HttpResponse<String> created = admin(wharf, "PUT", "/admin/mirrors/slow", "{\"upstream\": \"http://"
                    + proxy.host() + "\", \"username\": \"" + UPSTREAM.username() + "\", \"password\": \""
                    + UPSTREAM.password() + "\", \"revalidate_seconds\": 3600}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            assertThat(created.body()).doesNotContain(UPSTREAM.password()).contains("\"credentials\":true");
            assertThat(admin(wharf, "PUT", "/admin/mirrors/up", "{\"upstream\": \"http://example.test\"}")
                    .statusCode()).isEqualTo(409); // defined in the configuration
            assertThat(admin(wharf, "PUT", "/admin/mirrors/admin", "{\"upstream\": \"http://example.test\"}")
                    .statusCode()).isEqualTo(409); // a user's namespace
            assertThat(admin(wharf, "PUT", "/admin/mirrors/bad", "{\"upstream\": \"http://u:p@example.test\"}")
                    .statusCode()).isEqualTo(400);
            JsonNode list = JSON.readTree(admin(wharf, "GET", "/admin/mirrors", null).body());
            assertThat(list.path("mirrors")).hasSize(2);
            assertThat(list.toString()).doesNotContain(UPSTREAM.password());

            // Tag moved upstream: the 1h mirror keeps serving its cached copy, the 2s one sees the move.
            assertThat(sha(wharf, "slow/team/app:1")).isEqualTo(first.digest());
            push(layout, "2", upstream, "team/app:1");
            assertThat(sha(wharf, "slow/team/app:1")).isEqualTo(first.digest());
            Thread.sleep(2_500);
            assertThat(sha(wharf, "up/team/app:1")).isEqualTo(second.digest());
            Skopeo.copy("docker://" + wharf.host() + "/up/team/app:1", Skopeo.oci(work.resolve("moved"), "1"));
            assertThat(OciLayouts.digestOf(work.resolve("moved"), "1")).isEqualTo(second.digest());

            // Read-only: a push is refused with a message that says why.
            RegistryHttp.Response push = RegistryHttp.asAdmin(wharf).send(wharf, "POST", "/v2/up/team/app/blobs/uploads/",
                    new byte[0]);
            assertThat(push.status()).isEqualTo(403);
            assertThat(push.errorCode()).isEqualTo("DENIED");
            assertThat(push.text()).contains("read-only pull-through mirror");
            // So is a push to a name whose pulls go to the Hub mirror ('newns' is no user or organization here),
            // even by an administrator, whom the token would simply have denied without a word on why.
            RegistryHttp.Response hubName = RegistryHttp.asAdmin(wharf).send(wharf, "POST",
                    "/v2/newns/app/blobs/uploads/", new byte[0]);
            assertThat(hubName.status()).isEqualTo(403);
            assertThat(hubName.errorCode()).isEqualTo("DENIED");
            assertThat(hubName.text()).contains("'newns/app' is a Docker Hub name here")
                    .contains("create the organization 'newns'");
            // The administrator's own namespace is Wharf's, Hub mirror or not.
            assertThat(RegistryHttp.asAdmin(wharf).send(wharf, "POST", "/v2/admin/app/blobs/uploads/", new byte[0])
                    .status()).isEqualTo(202);

            String metrics = RegistryHttp.raw(wharf, "GET", "/metrics").text();
            assertThat(metrics).contains("wharf_mirror_hits_total{kind=\"blob\",mirror=\"up\"}")
                    .contains("wharf_mirror_misses_total{kind=\"manifest\",mirror=\"up\"}")
                    .contains("wharf_mirror_upstream_bytes_total{mirror=\"up\"}")
                    .contains("wharf_mirror_revalidations_total{mirror=\"up\",result=\"moved\"}");
            assertThat(Files.readString(wharf.logFile())).doesNotContain(UPSTREAM.password());
        }
    }

    @Test
    void upstreamKilledMidLayerPublishesNothingAndCachedTagsSurviveAnOutage() throws Exception {
        Path layout = work.resolve("layout");
        OciLayouts.Image small = OciLayouts.image(layout, "s", 31, 200_000);
        OciLayouts.Image big = OciLayouts.image(layout, "b", 32, 24 * MIB);
        String layer = big.blobs().stream().filter(b -> !b.equals(configOf(big))).findFirst().orElseThrow();
        try (DistributionProcess upstream = upstream();
                CountingProxy proxy = new CountingProxy(upstream.port(), 4 * MIB);
                WharfProcess wharf = wharf(proxy, "1s")) {
            push(layout, "s", upstream, "lib/small:1");
            push(layout, "b", upstream, "lib/big:1");
            Skopeo.copy("docker://" + wharf.host() + "/up/lib/small:1", Skopeo.oci(work.resolve("small"), "1"));

            // Kill the upstream while the big layer streams through Wharf to skopeo.
            CompletableFuture<Skopeo.Result> pull = CompletableFuture.supplyAsync(() -> Skopeo.tryCopy(
                    Duration.ofSeconds(120), "docker://" + wharf.host() + "/up/lib/big:1",
                    Skopeo.oci(work.resolve("big-broken"), "1"), "--retry-times", "0"),
                    Executors.newVirtualThreadPerTaskExecutor());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (proxy.gets("/v2/lib/big/blobs/" + layer) == 0 && System.nanoTime() < deadline) Thread.sleep(50);
            Thread.sleep(1_500); // a few MiB in
            upstream.kill9();
            Skopeo.Result broken = pull.get();
            assertThat(broken.ok()).as("the client must see the broken download").isFalse();
            Path published = wharf.dataDir().resolve("storage/blobs/sha256").resolve(layer.substring(7, 9))
                    .resolve(layer.substring(7));
            WharfProcess.awaitNoMirrorDownloads(wharf.dataDir(), Duration.ofSeconds(30));
            assertThat(published).doesNotExist();
            assertThat(wharf.dataDir().resolve("storage/uploads")).satisfiesAnyOf(
                    d -> assertThat(d).doesNotExist(), d -> assertThat(d).isEmptyDirectory());

            // Upstream down: the cached tag still pulls (stale, after its 1s interval); a miss names the problem.
            Thread.sleep(1_200);
            Skopeo.copy("docker://" + wharf.host() + "/up/lib/small:1", Skopeo.oci(work.resolve("stale"), "1"));
            assertThat(OciLayouts.digestOf(work.resolve("stale"), "1")).isEqualTo(small.digest());
            RegistryHttp.Response miss = RegistryHttp.asAdmin(wharf).get(wharf, "/v2/up/lib/other/manifests/1");
            assertThat(miss.status()).isEqualTo(503);
            assertThat(miss.errorCode()).isEqualTo("UNAVAILABLE");
            assertThat(miss.text()).contains("mirror up").contains(proxy.host()).doesNotContain(UPSTREAM.password());
            assertThat(RegistryHttp.raw(wharf, "GET", "/metrics").text())
                    .containsPattern("wharf_mirror_stale_serves_total\\{mirror=\"up\"} [1-9]");

            // Upstream back: the next pull of the big image succeeds and verifies, once the 5 s for which the mirror
            // leaves a down upstream alone have passed since its last failure (the miss above).
            upstream.restart();
            Thread.sleep(5_000);
            Skopeo.copy("docker://" + wharf.host() + "/up/lib/big:1", Skopeo.oci(work.resolve("big"), "1"));
            assertThat(OciLayouts.digestOf(work.resolve("big"), "1")).isEqualTo(big.digest());
            // Stored once verified: the client may be done a moment before the store is.
            long stored = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!Files.exists(published) && System.nanoTime() < stored) Thread.sleep(100);
            assertThat(published).exists();
            assertThat(Files.readString(wharf.logFile())).doesNotContain(UPSTREAM.password());
        }
    }

    @Test
    void twoConcurrentColdPullsOfOneBigLayerFetchItOnce() throws Exception {
        Path layout = work.resolve("layout");
        OciLayouts.Image big = OciLayouts.image(layout, "b", 41, 200 * MIB);
        String layer = big.blobs().stream().filter(b -> !b.equals(configOf(big))).findFirst().orElseThrow();
        try (DistributionProcess upstream = upstream();
                CountingProxy proxy = new CountingProxy(upstream.port(), 32 * MIB);
                WharfProcess wharf = wharf(proxy, "10m")) {
            push(layout, "b", upstream, "lib/big:1");
            // Own threads: the common pool may have a single worker here and would run the pulls one by one.
            List<CompletableFuture<Skopeo.Result>> pulls;
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                pulls = List.of(1, 2).stream()
                        .map(i -> CompletableFuture.supplyAsync(() -> Skopeo.tryCopy(Duration.ofSeconds(180),
                                "docker://" + wharf.host() + "/up/lib/big:1", Skopeo.oci(work.resolve("out" + i), "1")),
                                threads))
                        .toList();
            }
            for (CompletableFuture<Skopeo.Result> p : pulls) assertThat(p.get().ok()).as(p.get().stderr()).isTrue();
            assertThat(OciLayouts.digestOf(work.resolve("out1"), "1")).isEqualTo(big.digest());
            assertThat(OciLayouts.digestOf(work.resolve("out2"), "1")).isEqualTo(big.digest());
            assertThat(proxy.gets("/v2/lib/big/blobs/" + layer)).isEqualTo(1);
            assertThat(proxy.gets("/v2/lib/big/manifests/1")).isEqualTo(1);
            // The second pull really ran alongside the first: it joined the download in progress.
            assertThat(RegistryHttp.raw(wharf, "GET", "/metrics").text())
                    .containsPattern("wharf_mirror_joined_downloads_total\\{mirror=\"up\"} [1-9]");
        }
    }

    /**
     * mirrors.prefetch (on by default): a manifest GET that misses starts the downloads of the image's blobs, paced
     * by the clients' blob requests (at most two blobs ahead of them), so that a client's next blob is on its way
     * before it asks; a HEAD fetches nothing ahead, and with the setting off a GET does not either.
     */
    @Test
    void aManifestGetFetchesTheImagesBlobsAheadOfTheClient() throws Exception {
        Path layout = work.resolve("layout");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 51, 3 * MIB, 400_000, 300_000);
        OciLayouts.Image headOnly = OciLayouts.image(layout, "2", 52, 1 * MIB);
        try (DistributionProcess upstream = upstream();
                CountingProxy proxy = new CountingProxy(upstream.port(), 200 * MIB)) {
            push(layout, "1", upstream, "lib/ahead:1");
            push(layout, "2", upstream, "lib/head:1");
            try (WharfProcess wharf = wharf(proxy, "10m")) {
                // A HEAD reads the manifest only: nothing is fetched ahead.
                RegistryHttp.Response head = RegistryHttp.asAdmin(wharf).head(wharf, "/v2/up/lib/head/manifests/1");
                assertThat(head.status()).as(head.toString()).isEqualTo(200);

                RegistryHttp.Response get = RegistryHttp.asAdmin(wharf).get(wharf, "/v2/up/lib/ahead/manifests/1");
                assertThat(get.status()).as(get.toString()).isEqualTo(200);
                // The manifest's first two blobs (config, first layer) come ahead; then it waits for the client.
                List<String> blobs = image.blobs();
                awaitFetchedOnce(proxy, blobs.subList(0, 2));
                Thread.sleep(1_000); // what an unpaced fetch ahead would have started by now
                assertThat(proxy.gets("/v2/lib/ahead/blobs/" + blobs.get(2))).as("third blob, no client yet").isZero();
                // A client asks for the first layer: the next blob comes ahead, and still no more.
                RegistryHttp.Response first = RegistryHttp.asAdmin(wharf).get(wharf,
                        "/v2/up/lib/ahead/blobs/" + blobs.get(1));
                assertThat(first.status()).as(first.toString()).isEqualTo(200);
                awaitFetchedOnce(proxy, blobs.subList(0, 3));
                Thread.sleep(1_000);
                assertThat(proxy.gets("/v2/lib/ahead/blobs/" + blobs.get(3))).as("fourth blob").isZero();
                RegistryHttp.Response second = RegistryHttp.asAdmin(wharf).get(wharf,
                        "/v2/up/lib/ahead/blobs/" + blobs.get(2));
                assertThat(second.status()).as(second.toString()).isEqualTo(200);
                awaitFetchedOnce(proxy, blobs);
                WharfProcess.awaitNoMirrorDownloads(wharf.dataDir(), Duration.ofSeconds(30));
                String metrics = RegistryHttp.raw(wharf, "GET", "/metrics").text();
                assertThat(metrics).contains("wharf_mirror_prefetched_blobs_total{mirror=\"up\"} "
                        + blobs.size() + ".0");
                for (String blob : headOnly.blobs()) {
                    assertThat(proxy.gets("/v2/lib/head/blobs/" + blob)).as("after a HEAD: " + blob).isZero();
                }

                // The upstream gone, the whole image still pulls: every blob is in the cache.
                upstream.kill9();
                Path pulled = work.resolve("ahead");
                Skopeo.copy("docker://" + wharf.host() + "/up/lib/ahead:1", Skopeo.oci(pulled, "1"));
                assertThat(OciLayouts.digestOf(pulled, "1")).isEqualTo(image.digest());
                upstream.restart();
            }
            // Turned off: a GET fetches the manifest and nothing else.
            try (WharfProcess off = WharfProcess.start(Files.createDirectories(work.resolve("wharf-off")), Map.of(
                    "WHARF_MIRRORS_UPSTREAMS", "up=http://" + proxy.host(),
                    "WHARF_MIRRORS_CREDENTIALS", "up=" + UPSTREAM.colonSeparated(),
                    "WHARF_MIRRORS_PREFETCH", "false"))) {
                RegistryHttp.Response get = RegistryHttp.asAdmin(off).get(off, "/v2/up/lib/head/manifests/1");
                assertThat(get.status()).as(get.toString()).isEqualTo(200);
                assertThat(proxy.gets("/v2/lib/head/manifests/1")).isGreaterThanOrEqualTo(1);
                Thread.sleep(2_000); // what a fetch ahead would have started by now (above: within a second)
                for (String blob : headOnly.blobs()) {
                    assertThat(proxy.gets("/v2/lib/head/blobs/" + blob)).as("prefetch off: " + blob).isZero();
                }
                assertThat(RegistryHttp.raw(off, "GET", "/metrics").text())
                        .doesNotContain("wharf_mirror_prefetched_blobs_total");
            }
        }
    }

    /** Waits until the upstream has served each of these blobs, then checks it served each exactly once. */
    private static void awaitFetchedOnce(CountingProxy proxy, List<String> blobs) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!blobs.stream().allMatch(b -> proxy.gets("/v2/lib/ahead/blobs/" + b) >= 1)
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        for (String blob : blobs) {
            assertThat(proxy.gets("/v2/lib/ahead/blobs/" + blob)).as("fetched ahead: " + blob).isEqualTo(1);
        }
    }

    private static String configOf(OciLayouts.Image image) {
        try {
            return JSON.readTree(image.manifest()).path("config").path("digest").asText();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha(WharfProcess wharf, String image) {
        return OciLayouts.sha256(Skopeo.inspectRaw("docker://" + wharf.host() + "/" + image));
    }

    private static HttpResponse<String> admin(WharfProcess wharf, String method, String path, String body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + wharf.host() + path))
                .header("Authorization", "Basic " + WharfProcess.ADMIN.basic())
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
