package dev.wharf.sources;

import static dev.wharf.sources.CycleServer.imagesAndJobs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.User;
import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.FreePort;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.Skopeo;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Imports from a real CNCF Distribution into an in-process Wharf, then pulls the result back with skopeo. */
class ImportFromDistributionTest {
    @TempDir static Path dir;
    static CycleServer wharf;
    static DistributionProcess upstream;
    static DistributionProcess locked;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/docker-registry")), "CNCF Distribution is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        upstream = DistributionProcess.start(Files.createDirectories(dir.resolve("upstream")));
        // The local Distribution stands in for Docker Hub's registry too (docker-hub origins).
        // Loopback upstreams: the outbound policy refuses loopback unless told otherwise.
        wharf = new CycleServer(TestServer.builder(Files.createDirectories(dir.resolve("wharf")))
                .flags("--sources-docker-hub-url", "http://" + upstream.host(), "--outbound-allow",
                        "127.0.0.0/8").build());
        if (DistributionProcess.htpasswdAvailable()) {
            locked = DistributionProcess.startWithUser(Files.createDirectories(dir.resolve("locked")), "puller",
                    "right-password");
        }
        User dana = wharf.user("dana");
        token = wharf.token(dana);
    }

    @AfterAll
    static void stop() {
        if (locked != null) locked.close();
        if (upstream != null) upstream.close();
        if (wharf != null) wharf.close();
    }

    @Test
    void singleArchImportKeepsDigestsAndIsPullable() throws Exception {
        Path layout = dir.resolve("single");
        OciLayouts.Image image = OciLayouts.image(layout, "1.0", 11, 300_000, 5_000);
        Skopeo.copy(Skopeo.oci(layout, "1.0"), "docker://" + upstream.host() + "/team/app:1.0");
        JsonNode job = importAndWait(registrySource("Single App", "http://" + upstream.host(), "team/app:1.0", null));
        assertThat(job.path("state").path("current").asText()).as(job.toString()).isEqualTo("completed");
        assertThat(job.path("tasks").get(0).path("output").path("digest").asText()).isEqualTo(image.digest());
        JsonNode img = image(job);
        assertThat(img.path("state").path("current").asText()).isEqualTo("live");
        assertThat(img.path("size").asLong()).isGreaterThan(305_000);
        assertPullable("dana/single-app:1.0", image.digest());
    }

    @Test
    void dockerHubOriginPullsOfficialImagesFromLibrary() throws Exception {
        Path layout = dir.resolve("hub");
        OciLayouts.Image image = OciLayouts.image(layout, "3", 13, 7_000);
        Skopeo.copy(Skopeo.oci(layout, "3"), "docker://" + upstream.host() + "/library/tool:3");
        JsonNode job = importAndWait("{\"name\": \"Hub Tool\", \"type\": \"direct\", \"origin\": {\"type\":"
                + " \"docker-hub\", \"details\": {\"target\": \"tool:3\"}}}");
        assertThat(job.path("state").path("current").asText()).as(job.toString()).isEqualTo("completed");
        assertThat(job.path("tasks").get(0).path("output").path("digest").asText()).isEqualTo(image.digest());
        assertPullable("dana/hub-tool:3", image.digest());
    }

    @Test
    void multiArchIndexIsCopiedWhole() throws Exception {
        Path layout = dir.resolve("multi");
        OciLayouts.Index index = OciLayouts.multiArch(layout, "2.0", 22, 4_000, 6_000);
        Skopeo.copy(Skopeo.oci(layout, "2.0"), "docker://" + upstream.host() + "/team/multi:2.0", "--all");
        JsonNode job = importAndWait(registrySource("Multi", upstream.host(), "team/multi:2.0", null)
                .replace("\"url\": \"" + upstream.host(), "\"url\": \"http://" + upstream.host()));
        assertThat(job.path("state").path("current").asText()).as(job.toString()).isEqualTo("completed");
        assertThat(job.path("tasks").get(0).path("output").path("digest").asText()).isEqualTo(index.digest());
        assertPullable("dana/multi:2.0", index.digest());
        for (OciLayouts.Image child : index.images()) {
            HttpResponse<byte[]> r = wharf.send("GET", "/v2/dana/multi/manifests/" + child.digest(), null, null, null);
            assertThat(r.statusCode()).isIn(200, 401); // present; auth is on, so anonymous may be refused
        }
    }

    @Test
    void missingTagFailsWithAReadableMessage() throws Exception {
        JsonNode job = importAndWait(registrySource("Nope", "http://" + upstream.host(), "team/none:9", null));
        assertThat(job.path("state").path("current").asText()).isEqualTo("error");
        assertThat(job.path("state").path("error").path("message").asText()).contains("not found");
        assertThat(image(job).path("state").path("current").asText()).isEqualTo("new");
    }

    @Test
    void wrongCredentialsFailWithoutRetrying() throws Exception {
        assumeTrue(locked != null, "htpasswd is not installed");
        Path layout = dir.resolve("locked-image");
        OciLayouts.image(layout, "1", 33, 1_000);
        Skopeo.copy(Skopeo.oci(layout, "1"), "docker://" + locked.host() + "/priv/app:1", "--dest-creds",
                "puller:right-password");
        JsonNode job = importAndWait(registrySource("Locked", "http://" + locked.host(), "priv/app:1",
                "wrong-password"));
        assertThat(job.path("state").path("current").asText()).isEqualTo("error");
        assertThat(job.path("state").path("error").path("message").asText()).contains("wrong or missing credentials");
        assertThat(job.path("meta").path("attempts").asInt()).isEqualTo(1);
        JsonNode ok = importAndWait(registrySource("Unlocked", "http://" + locked.host(), "priv/app:1",
                "right-password"));
        assertThat(ok.path("state").path("current").asText()).as(ok.toString()).isEqualTo("completed");
    }

    @Test
    void unreachableUpstreamIsRetriedWithTheReasonShown() throws Exception {
        String jobId = startImport(registrySource("Gone", "http://127.0.0.1:" + FreePort.pick(), "team/app:1", null));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode job;
        do {
            Thread.sleep(100);
            job = imagesAndJobs(wharf.send("GET", "/v1/jobs/" + jobId, token, "dana", null)).path("data");
        } while (job.path("state").path("error").isNull() && System.nanoTime() < deadline);
        assertThat(job.path("state").path("current").asText()).isIn("queued", "running");
        assertThat(job.path("state").path("error").path("message").asText()).contains("connection refused");
    }

    @Test
    void noneOriginIsRefusedAtImportTime() {
        String source = CycleServer.json(wharf.send("POST", "/v1/images/sources", token, "dana",
                "{\"type\": \"direct\", \"origin\": {\"type\": \"none\"}}")).path("data").path("id").asText();
        String image = created(wharf.send("POST", "/v1/images", token, "dana", "{\"source_id\": \"" + source + "\"}"));
        HttpResponse<byte[]> r = wharf.send("POST", "/v1/images/" + image + "/tasks", token, "dana",
                "{\"action\": \"import\"}");
        assertThat(r.statusCode()).isEqualTo(422);
        JsonNode e = imagesAndJobs(r).path("error");
        assertThat(e.path("code").asText()).isEqualTo("422.not-compatible");
        assertThat(e.path("detail").asText()).contains("none origin has nothing to import");
    }

    private static String registrySource(String name, String url, String target, String password) {
        // Credentials over plain HTTP (a loopback Distribution) only because the origin says so.
        String creds = password == null ? "" : ", \"username\": \"puller\", \"password\": \"" + password + "\","
                + " \"allow_plain_http\": true";
        return "{\"name\": \"" + name + "\", \"type\": \"direct\", \"origin\": {\"type\": \"docker-registry\","
                + " \"details\": {\"target\": \"" + target + "\", \"url\": \"" + url + "\"" + creds + "}}}";
    }

    private static String startImport(String sourceJson) {
        HttpResponse<byte[]> s = wharf.send("POST", "/v1/images/sources", token, "dana", sourceJson);
        assertThat(s.statusCode()).as(new String(s.body())).isEqualTo(201);
        String sourceId = CycleServer.json(s).path("data").path("id").asText();
        String imageId = created(wharf.send("POST", "/v1/images", token, "dana",
                "{\"source_id\": \"" + sourceId + "\"}"));
        HttpResponse<byte[]> task = wharf.send("POST", "/v1/images/" + imageId + "/tasks", token, "dana",
                "{\"action\": \"import\"}");
        assertThat(task.statusCode()).isEqualTo(200);
        return imagesAndJobs(task).path("data").path("job").path("id").asText();
    }

    private static String created(HttpResponse<byte[]> r) {
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return imagesAndJobs(r).path("data").path("id").asText();
    }

    private static JsonNode importAndWait(String sourceJson) throws InterruptedException {
        String jobId = startImport(sourceJson);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode job = imagesAndJobs(wharf.send("GET", "/v1/jobs/" + jobId, token, "dana", null)).path("data");
            String state = job.path("state").path("current").asText();
            if (state.equals("completed") || state.equals("error") || System.nanoTime() > deadline) return job;
            Thread.sleep(100);
        }
    }

    private static JsonNode image(JsonNode job) {
        String id = job.path("tasks").get(0).path("input").path("image_id").asText();
        // Not contract-checked: the validator cannot build getImage's response schema (ImageIncludes reaches a
        // StackSpec pattern, '"?{{($)?([a-z0-9-]+)}}"?', that java.util.regex rejects).
        return CycleServer.json(wharf.send("GET", "/v1/images/" + id, token, "dana", null)).path("data");
    }

    private static void assertPullable(String reference, String digest) {
        String host = wharf.base.substring("http://".length());
        byte[] raw = Skopeo.run("inspect", "--raw", "--tls-verify=false", "--creds", "dana:password-dana-123",
                "docker://" + host + "/" + reference).stdout();
        assertThat(OciLayouts.sha256(raw)).isEqualTo(digest);
        Path back = dir.resolve("back-" + reference.replace('/', '-').replace(':', '-'));
        Skopeo.copy("docker://" + host + "/" + reference, Skopeo.oci(back, "x"), "--all", "--src-creds",
                "dana:password-dana-123");
    }
}
