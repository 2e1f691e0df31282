package dev.wharf.sources;

import static dev.wharf.sources.CycleServer.imagesAndJobs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.User;
import dev.wharf.model.Digest;
import dev.wharf.testing.PostgresSchema;
import dev.wharf.testing.TestServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports against an upstream the importing user controls (issue 13, findings 1, 4, 5 and 11): it cannot make
 * Wharf link blobs it does not hold, receive credentials it was not meant to, reach addresses the outbound policy
 * refuses, or get its bytes echoed in job errors. The server allows only 127.0.0.1 (not the rest of loopback), so
 * 127.0.0.2 stands for an address the policy refuses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImportSecurityTest {
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    private static final AtomicInteger NAMES = new AtomicInteger();
    private final HttpClient http = HttpClient.newHttpClient();
    CycleServer wharf;
    User alice;
    User bob;
    String bobSession;

    /** The PostgreSQL subclass runs the tests on a schema of its own; null: SQLite. */
    PostgresSchema postgres() {
        return null;
    }

    @BeforeAll
    void start(@TempDir Path dir) {
        wharf = new CycleServer(TestServer.builder(dir).database(postgres())
                .flags("--outbound-allow", "127.0.0.1/32").build());
        alice = wharf.user("alice");
        bob = wharf.user("bob");
        bobSession = wharf.token(bob);
    }

    @AfterAll
    void stop() {
        if (wharf != null) wharf.close();
    }

    @Test
    void anImportNamingAnotherUsersPrivateBlobsMustFetchThemFromTheUpstream() throws Exception {
        byte[] secretLayer = ("alice's secret layer " + NAMES.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
        Pushed victim = push(alice, "alice/secret", "{\"secret\":\"config\"}".getBytes(StandardCharsets.UTF_8),
                secretLayer);
        try (FakeUpstream evil = new FakeUpstream("127.0.0.1")) {
            // The attacker knows only the digests, not the bytes.
            evil.manifest("evil/app", "1", victim.manifest, OCI_MANIFEST);
            JsonNode job = importAndWait(source("Stolen", evil.url(), "evil/app:1", ""));

            assertThat(evil.paths()).as("the upstream must be asked for the blobs")
                    .anyMatch(p -> p.startsWith("/v2/evil/app/blobs/"));
            assertThat(state(job)).isEqualTo("error");
            assertThat(message(job)).contains("not found");
            String bobToken = registryToken(bob, "repository:bob/stolen:pull");
            HttpResponse<byte[]> layer = registry("GET", "/v2/bob/stolen/blobs/" + victim.layer, bobToken);
            assertThat(layer.statusCode()).as("the victim's layer is not served to the attacker").isNotEqualTo(200);
            assertThat(new String(layer.body(), StandardCharsets.UTF_8)).doesNotContain("secret layer");
        }
    }

    @Test
    void blobsInARepositoryTheImportersMayPullAreLinkedWithoutDownloading() throws Exception {
        byte[] base = ("bob's own base layer " + NAMES.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
        Pushed own = push(bob, "bob/base", "{\"own\":1}".getBytes(StandardCharsets.UTF_8), base);
        try (FakeUpstream upstream = new FakeUpstream("127.0.0.1")) {
            upstream.manifest("mine/app", "1", own.manifest, OCI_MANIFEST);
            upstream.blob("mine/app", own.config, "{\"own\":1}".getBytes(StandardCharsets.UTF_8));
            JsonNode job = importAndWait(source("Reused", upstream.url(), "mine/app:1", ""));

            assertThat(state(job)).as(job.toString()).isEqualTo("completed");
            assertThat(upstream.paths()).doesNotContain("/v2/mine/app/blobs/" + own.layer);
            String bobToken = registryToken(bob, "repository:bob/reused:pull");
            HttpResponse<byte[]> layer = registry("GET", "/v2/bob/reused/blobs/" + own.layer, bobToken);
            assertThat(layer.statusCode()).isEqualTo(200);
            assertThat(layer.body()).isEqualTo(base);
        }
    }

    /**
     * A registry that answers 429 with Retry-After is asked again no sooner than it asked, and one that asks for
     * days holds the import for an hour at most (its next attempt asks again).
     */
    @Test
    void anUpstreamsRetryAfterDelaysTheNextAttemptUpToAnHour() throws Exception {
        for (String asked : List.of("600", "999999")) {
            try (FakeUpstream limited = new FakeUpstream("127.0.0.1")) {
                limited.failStatus = 429;
                limited.failRetryAfter = asked;
                Instant before = Instant.now();
                JsonNode job = importAndWait(source("Limited" + asked, limited.url(), "lim/app:1", ""),
                        j -> j.path("meta").path("attempts").asInt() >= 1 && !message(j).isEmpty());
                assertThat(state(job)).as(job.toString()).isNotIn("completed", "error");
                assertThat(message(job)).contains("HTTP 429").contains("left alone for " + asked + " s");
                Instant next = Instant.parse(job.path("schedule").asText());
                long waits = Math.min(Long.parseLong(asked), 3600);
                assertThat(next).as(job.toString()).isAfterOrEqualTo(before.plusSeconds(waits).minusSeconds(1))
                        .isBefore(Instant.now().plusSeconds(waits).plusSeconds(1));
                assertThat(limited.paths()).as("asked once, not again within the wait")
                        .filteredOn(p -> p.startsWith("/v2/lim/")).hasSize(1);
            }
        }
    }

    @Test
    void credentialsAreSentOnlyWhenTheRegistryAsksForThem() throws Exception {
        try (FakeUpstream open = new FakeUpstream("127.0.0.1")) {
            byte[] config = "{\"open\":1}".getBytes(StandardCharsets.UTF_8);
            byte[] layer = ("open layer " + NAMES.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
            String manifest = manifestJson(config, layer);
            open.manifest("pub/app", "1", manifest, OCI_MANIFEST);
            open.blob("pub/app", Digest.sha256(config).toString(), config);
            open.blob("pub/app", Digest.sha256(layer).toString(), layer);
            JsonNode job = importAndWait(source("Open", open.url(), "pub/app:1",
                    ", \"username\": \"robot\", \"password\": \"robot-secret\", \"allow_plain_http\": true"));
            assertThat(state(job)).as(job.toString()).isEqualTo("completed");
            assertThat(open.authorizations()).as("no challenge, no credentials").isEmpty();
        }
    }

    @Test
    void credentialsAreNotSentOverPlainHttpUnlessTheOriginAllowsIt() throws Exception {
        try (FakeUpstream locked = new FakeUpstream("127.0.0.1")) {
            locked.basicAuthorization = "Basic " + Base64.getEncoder().encodeToString(
                    "robot:robot-secret".getBytes(StandardCharsets.UTF_8));
            JsonNode job = importAndWait(source("Plain", locked.url(), "priv/app:1",
                    ", \"username\": \"robot\", \"password\": \"robot-secret\""));
            assertThat(state(job)).isEqualTo("error");
            assertThat(message(job)).contains("plain HTTP").contains("allow_plain_http");
            assertThat(job.path("meta").path("attempts").asInt()).isEqualTo(1);
            assertThat(locked.authorizations()).isEmpty();
        }
    }

    @Test
    void credentialsDoNotFollowARedirectToAnotherOrigin() throws Exception {
        try (FakeUpstream registry = new FakeUpstream("127.0.0.1"); FakeUpstream storage = new FakeUpstream("127.0.0.1")) {
            registry.basicAuthorization = "Basic " + Base64.getEncoder().encodeToString(
                    "robot:robot-secret".getBytes(StandardCharsets.UTF_8));
            byte[] config = "{\"redirected\":1}".getBytes(StandardCharsets.UTF_8);
            byte[] layer = ("redirected layer " + NAMES.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
            registry.manifest("priv/app", "1", manifestJson(config, layer), OCI_MANIFEST);
            registry.blob("priv/app", Digest.sha256(config).toString(), config);
            // The layer lives elsewhere, as registries backed by object storage answer.
            String layerPath = "/v2/priv/app/blobs/" + Digest.sha256(layer);
            registry.redirects.put(layerPath, storage.url() + "/bucket/layer");
            storage.blobs.put("/bucket/layer", layer);
            JsonNode job = importAndWait(source("Redirected", registry.url(), "priv/app:1",
                    ", \"username\": \"robot\", \"password\": \"robot-secret\", \"allow_plain_http\": true"));
            assertThat(state(job)).as(job.toString()).isEqualTo("completed");
            assertThat(registry.authorizations()).isNotEmpty();
            assertThat(storage.paths()).containsExactly("/bucket/layer");
            assertThat(storage.authorizations()).as("the other origin never sees the credentials").isEmpty();
        }
    }

    @Test
    void changingTheUrlRequiresTheCredentialsAgain() throws Exception {
        HttpResponse<byte[]> created = wharf.send("POST", "/v1/images/sources", bobSession, "bob",
                source("Robot " + NAMES.incrementAndGet(), "https://registry.example.com", "team/app:1",
                        ", \"username\": \"robot\", \"password\": \"owner-robot-secret\""));
        assertThat(created.statusCode()).isEqualTo(201);
        String id = CycleServer.json(created).path("data").path("id").asText();
        String moved = "{\"origin\": {\"type\": \"docker-registry\", \"details\": {\"target\": \"team/app:1\","
                + " \"url\": \"https://attacker.example.net\", \"username\": \"robot\", \"password\": \"%s\"}}}";

        HttpResponse<byte[]> masked = wharf.send("PATCH", "/v1/images/sources/" + id, bobSession, "bob",
                moved.formatted(Origins.MASK));
        assertThat(masked.statusCode()).as(new String(masked.body())).isEqualTo(400);
        assertThat(CycleServer.json(masked).path("error").path("source").asText()).isEqualTo("/origin/details/password");

        String sameUrl = moved.replace("attacker.example.net", "registry.example.com").formatted(Origins.MASK);
        assertThat(wharf.send("PATCH", "/v1/images/sources/" + id, bobSession, "bob", sameUrl).statusCode())
                .as("the same destination keeps the stored secret").isEqualTo(200);
        assertThat(wharf.send("PATCH", "/v1/images/sources/" + id, bobSession, "bob", moved.formatted("new-secret"))
                .statusCode()).as("a new credential for the new destination is fine").isEqualTo(200);
    }

    @Test
    void addressesTheOutboundPolicyRefusesAreNeverContacted() throws Exception {
        try (FakeUpstream inside = new FakeUpstream("127.0.0.2")) {
            JsonNode job = importAndWait(source("Inside", inside.url(), "any/app:1", ""));
            assertThat(state(job)).isEqualTo("error");
            assertThat(message(job)).contains("address not allowed by outbound policy");
            assertThat(job.path("meta").path("attempts").asInt()).as("refusals are not retried").isEqualTo(1);
            assertThat(inside.hits).isEmpty();
        }
    }

    @Test
    void buildContextsAndGitRepositoriesAtRefusedAddressesAreNeverFetched() throws Exception {
        try (FakeUpstream inside = new FakeUpstream("127.0.0.2")) {
            for (String details : new String[] {"{\"targz_url\": \"" + inside.url() + "/context.tar.gz\"}",
                    "{\"repo\": {\"url\": \"" + inside.url() + "/team/app.git\"}}"}) {
                JsonNode job = importAndWait("{\"name\": \"Build " + NAMES.incrementAndGet() + "\", \"type\":"
                        + " \"direct\", \"origin\": {\"type\": \"docker-file\", \"details\": " + details + "}}");
                assertThat(state(job)).as(job.toString()).isEqualTo("error");
                assertThat(message(job)).as(details).contains("address not allowed by outbound policy");
                assertThat(job.path("meta").path("attempts").asInt()).as(job.toString()).isEqualTo(1);
            }
            assertThat(inside.hits).isEmpty();
        }
    }

    @Test
    void aPeerThatIsNotAnHttpRegistryIsDescribedNotEchoed() throws Exception {
        try (ServerSocket banner = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            Thread.ofVirtual().start(() -> {
                while (!banner.isClosed()) {
                    try (Socket s = banner.accept(); OutputStream out = s.getOutputStream()) {
                        s.getInputStream().read(new byte[1024]);
                        out.write("+OK internal-banner user=svc password=hunter2\r\n".getBytes(StandardCharsets.UTF_8));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            JsonNode job = importAndWait(source("Banner", "http://127.0.0.1:" + banner.getLocalPort(), "x/y:1", ""));
            assertThat(state(job)).isEqualTo("error");
            assertThat(message(job)).contains("not an HTTP registry").doesNotContain("hunter2")
                    .doesNotContain("internal-banner");
        }
    }

    @Test
    void aManifestThatIsNotJsonFailsOnceWithAClearReason() throws Exception {
        try (FakeUpstream junk = new FakeUpstream("127.0.0.1")) {
            junk.manifest("junk/app", "1", "<html>not a manifest</html>", OCI_MANIFEST);
            JsonNode job = importAndWait(source("Junk", junk.url(), "junk/app:1", ""));
            assertThat(state(job)).isEqualTo("error");
            assertThat(message(job)).contains("is not a JSON manifest or index").doesNotContain("<html>");
            assertThat(job.path("meta").path("attempts").asInt()).isEqualTo(1);
        }
    }

    // --- helpers ---

    record Pushed(String manifest, String config, String layer) {}

    private static String manifestJson(byte[] config, byte[] layer) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.sha256(config) + "\",\"size\":"
                + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"" + Digest.sha256(layer) + "\",\"size\":" + layer.length + "}]}";
    }

    /** Pushes a one-layer image through the registry as {@code user} (the repository is private by default). */
    private Pushed push(User user, String repository, byte[] config, byte[] layer) throws Exception {
        String token = registryToken(user, "repository:" + repository + ":pull,push");
        for (byte[] blob : new byte[][] {config, layer}) {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(wharf.base + "/v2/" + repository
                            + "/blobs/uploads/?digest=" + Digest.sha256(blob)))
                    .header("Authorization", "Bearer " + token)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        }
        String manifest = manifestJson(config, layer);
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(wharf.base + "/v2/" + repository
                        + "/manifests/1"))
                .header("Authorization", "Bearer " + token).header("Content-Type", OCI_MANIFEST)
                .PUT(HttpRequest.BodyPublishers.ofString(manifest)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return new Pushed(manifest, Digest.sha256(config).toString(), Digest.sha256(layer).toString());
    }

    private String registryToken(User user, String scope) throws Exception {
        String basic = Base64.getEncoder().encodeToString((user.username() + ":password-" + user.username() + "-123")
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(wharf.base + "/token?service=wharf&scope="
                        + java.net.URLEncoder.encode(scope, StandardCharsets.UTF_8)))
                .header("Authorization", "Basic " + basic).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        return CycleServer.json(r).path("token").asText();
    }

    private HttpResponse<byte[]> registry(String method, String path, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(wharf.base + path)).header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String source(String name, String url, String target, String extra) {
        return "{\"name\": \"" + name + "\", \"type\": \"direct\", \"origin\": {\"type\": \"docker-registry\","
                + " \"details\": {\"target\": \"" + target + "\", \"url\": \"" + url + "\"" + extra + "}}}";
    }

    private JsonNode importAndWait(String sourceJson) throws InterruptedException {
        return importAndWait(sourceJson, job -> state(job).equals("completed") || state(job).equals("error"));
    }

    /** Imports and polls the job until {@code done} holds (or 60 s passed): the job as last seen. */
    private JsonNode importAndWait(String sourceJson, java.util.function.Predicate<JsonNode> done)
            throws InterruptedException {
        HttpResponse<byte[]> s = wharf.send("POST", "/v1/images/sources", bobSession, "bob", sourceJson);
        assertThat(s.statusCode()).as(new String(s.body())).isEqualTo(201);
        String sourceId = CycleServer.json(s).path("data").path("id").asText();
        HttpResponse<byte[]> image = wharf.send("POST", "/v1/images", bobSession, "bob",
                "{\"source_id\": \"" + sourceId + "\"}");
        assertThat(image.statusCode()).as(new String(image.body())).isEqualTo(201);
        String imageId = imagesAndJobs(image).path("data").path("id").asText();
        HttpResponse<byte[]> task = wharf.send("POST", "/v1/images/" + imageId + "/tasks", bobSession, "bob",
                "{\"action\": \"import\"}");
        assertThat(task.statusCode()).isEqualTo(200);
        String jobId = imagesAndJobs(task).path("data").path("job").path("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode job = imagesAndJobs(wharf.send("GET", "/v1/jobs/" + jobId, bobSession, "bob", null)).path("data");
            if (done.test(job) || System.nanoTime() > deadline) return job;
            Thread.sleep(100);
        }
    }

    private static String state(JsonNode job) {
        return job.path("state").path("current").asText();
    }

    private static String message(JsonNode job) {
        return job.path("state").path("error").path("message").asText();
    }
}
