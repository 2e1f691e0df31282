package dev.wharf.sources;

import static dev.wharf.sources.CycleServer.imagesAndJobs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import dev.wharf.it.support.DistributionProcess;
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

/** {@code GET /v1/jobs/latest}, renaming and deleting images, checked against Cycle's contract. */
class ImageLifecycleTest {
    @TempDir static Path dir;
    static CycleServer wharf;
    static DistributionProcess upstream;
    static String owner;
    static String member;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/docker-registry")), "CNCF Distribution is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        wharf = new CycleServer(TestServer.builder(Files.createDirectories(dir.resolve("wharf")))
                .flags("--outbound-allow", "127.0.0.0/8").build());
        upstream = DistributionProcess.start(Files.createDirectories(dir.resolve("upstream")));
        User erin = wharf.user("erin");
        User finn = wharf.user("finn");
        wharf.org("lab", erin);
        wharf.member("lab", finn, OrgRole.MEMBER);
        owner = wharf.token(erin);
        member = wharf.token(finn);
        Path layout = dir.resolve("layout");
        OciLayouts.image(layout, "1", 5, 20_000);
        Skopeo.copy(Skopeo.oci(layout, "1"), "docker://" + upstream.host() + "/lab/app:1");
    }

    @AfterAll
    static void stop() {
        if (upstream != null) upstream.close();
        if (wharf != null) wharf.close();
    }

    @Test
    void latestJobsAreTheNewestTenNewestFirst() throws Exception {
        String source = source("Latest");
        for (int i = 0; i < 11; i++) image(source, "latest-" + i); // no jobs yet
        String first = importJob(image(source, "a"));
        String second = importJob(image(source, "b"));
        JsonNode latest = imagesAndJobs(send(owner, "GET", "/v1/jobs/latest", null)).path("data");
        assertThat(latest.size()).isBetween(2, JobsEndpoint.LATEST);
        assertThat(latest.get(0).path("id").asText()).isEqualTo(second);
        assertThat(latest.get(1).path("id").asText()).isEqualTo(first);
        assertThat(imagesAndJobs(send(member, "GET", "/v1/jobs/latest", null)).path("data").size())
                .isEqualTo(latest.size());
        assertThat(send(owner, "GET", "/v1/jobs/latest", null, "nohub").statusCode()).isEqualTo(404);
        await(first);
        await(second);
    }

    @Test
    void patchRenamesAndChecksInput() {
        String image = image(source("Renamed"), "before");
        HttpResponse<byte[]> r = send(owner, "PATCH", "/v1/images/" + image, "{\"name\": \"after\"}");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        assertThat(imagesAndJobs(r).path("data").path("name").asText()).isEqualTo("after");
        assertThat(CycleServer.json(send(owner, "GET", "/v1/images/" + image, null)).path("data").path("name")
                .asText()).isEqualTo("after");
        assertThat(error(send(owner, "PATCH", "/v1/images/" + image, "{\"name\": \"\"}"))).isEqualTo("400.invalid-syntax");
        assertThat(error(send(owner, "PATCH", "/v1/images/" + image, "{\"name\": 5}"))).isEqualTo("400.invalid-syntax");
        assertThat(error(send(member, "PATCH", "/v1/images/" + image, "{\"name\": \"x\"}"))).isEqualTo("403.permissions");
        assertThat(error(send(owner, "PATCH", "/v1/images/nope", "{\"name\": \"x\"}"))).isEqualTo("404.image");
    }

    @Test
    void deleteRemovesTheImportedTagThroughAJob() throws Exception {
        String source = source("Gone Soon");
        String image = image(source, "gone");
        assertThat(await(importJob(image)).path("state").path("current").asText()).isEqualTo("completed");
        assertThat(inspect("lab/gone-soon:1")).isTrue();

        assertThat(error(send(member, "DELETE", "/v1/images/" + image, null))).isEqualTo("403.permissions");
        HttpResponse<byte[]> r = send(owner, "DELETE", "/v1/images/" + image, null);
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        JsonNode descriptor = imagesAndJobs(r).path("data");
        assertThat(descriptor.path("action").asText()).isEqualTo("delete");
        JsonNode job = await(descriptor.path("job").path("id").asText());
        assertThat(job.path("state").path("current").asText()).as(job.toString()).isEqualTo("completed");
        assertThat(error(send(owner, "GET", "/v1/images/" + image, null))).isEqualTo("404.image");
        assertThat(inspect("lab/gone-soon:1")).isFalse();
    }

    @Test
    void deletingOneOfTwoImagesOfTheSameTagKeepsTheTag() throws Exception {
        String source = source("Shared");
        String one = image(source, "one");
        String two = image(source, "two");
        await(importJob(one));
        await(importJob(two));
        JsonNode job = await(imagesAndJobs(send(owner, "DELETE", "/v1/images/" + one, null)).path("data")
                .path("job").path("id").asText());
        assertThat(job.path("state").path("current").asText()).isEqualTo("completed");
        assertThat(inspect("lab/shared:1")).isTrue();
        assertThat(error(send(owner, "POST", "/v1/images/" + one + "/tasks", "{\"action\": \"import\"}")))
                .isEqualTo("404.image");
    }

    private static boolean inspect(String reference) {
        String host = wharf.base.substring("http://".length());
        return Skopeo.tryRun(Duration.ofMinutes(1), "inspect", "--raw", "--tls-verify=false", "--creds",
                "erin:password-erin-123", "docker://" + host + "/" + reference).ok();
    }

    private static String source(String name) {
        HttpResponse<byte[]> r = send(owner, "POST", "/v1/images/sources", "{\"name\": \"" + name + "\","
                + " \"type\": \"direct\", \"origin\": {\"type\": \"docker-registry\", \"details\": {\"target\":"
                + " \"lab/app:1\", \"url\": \"http://" + upstream.host() + "\"}}}");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return CycleServer.json(r).path("data").path("id").asText();
    }

    private static String image(String source, String name) {
        HttpResponse<byte[]> r = send(owner, "POST", "/v1/images", "{\"source_id\": \"" + source + "\", \"name\": \""
                + name + "\"}");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return imagesAndJobs(r).path("data").path("id").asText();
    }

    @Test
    void pruneDeletesSupersededAndFailedImagesOfTheListedSourcesOnly() throws Exception {
        String source = source("Prune");
        String old = image(source, "old");
        assertThat(await(importJob(old)).path("state").path("current").asText()).isEqualTo("completed");
        String current = image(source, "current");
        assertThat(await(importJob(current)).path("state").path("current").asText()).isEqualTo("completed");
        String fresh = image(source, "fresh");
        HttpResponse<byte[]> created = send(owner, "POST", "/v1/images", "{\"source_id\": \"" + source + "\","
                + " \"name\": \"broken\", \"override\": {\"target\": \"lab/none:9\"}}");
        String broken = imagesAndJobs(created).path("data").path("id").asText();
        assertThat(await(importJob(broken)).path("state").path("current").asText()).isEqualTo("error");
        JsonNode brokenImage = imagesAndJobs(send(owner, "GET", "/v1/images/" + broken, null)).path("data");
        assertThat(brokenImage.path("state").path("current").asText()).isEqualTo("new");
        assertThat(brokenImage.path("state").path("error").path("message").asText()).contains("not found");
        String otherSource = source("Not Pruned");
        String other = image(otherSource, "other");
        await(importJob(other));
        await(importJob(image(otherSource, "other-newer")));

        assertThat(error(send(member, "POST", "/v1/images/tasks", prune(source)))).isEqualTo("403.permissions");
        assertThat(error(send(owner, "POST", "/v1/images/tasks", "{\"action\": \"purge\", \"contents\":"
                + " {\"source_ids\": []}}"))).isEqualTo("400.invalid-syntax");
        assertThat(error(send(owner, "POST", "/v1/images/tasks", "{\"action\": \"prune\"}")))
                .isEqualTo("400.invalid-syntax");
        assertThat(imagesAndJobs(send(owner, "POST", "/v1/images/tasks", prune("aaaaaaaaaaaaaaaaaaaaaaaa")))
                .path("error").path("code").asText()).isEqualTo("404.image.source");
        HttpResponse<byte[]> r = send(owner, "POST", "/v1/images/tasks", prune(source));
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(202);
        JsonNode descriptor = imagesAndJobs(r).path("data");
        assertThat(descriptor.path("action").asText()).isEqualTo("prune");
        JsonNode job = await(descriptor.path("job").path("id").asText());
        assertThat(job.path("state").path("current").asText()).as(job.toString()).isEqualTo("completed");
        assertThat(job.path("tasks").get(0).path("output").path("pruned").asText()).isEqualTo("2");

        assertThat(error(send(owner, "GET", "/v1/images/" + old, null))).isEqualTo("404.image");
        assertThat(error(send(owner, "GET", "/v1/images/" + broken, null))).isEqualTo("404.image");
        assertThat(imagesAndJobs(send(owner, "GET", "/v1/images/" + current, null)).path("data").path("state")
                .path("current").asText()).isEqualTo("live");
        assertThat(imagesAndJobs(send(owner, "GET", "/v1/images/" + fresh, null)).path("data").path("state")
                .path("current").asText()).isEqualTo("new");
        assertThat(imagesAndJobs(send(owner, "GET", "/v1/images/" + other, null)).path("data").path("state")
                .path("current").asText()).isEqualTo("live");
        // Registry images are not built: no build log.
        assertThat(imagesAndJobs(send(owner, "GET", "/v1/images/" + current + "/build-log", null)).path("error")
                .path("code").asText()).isEqualTo("404.image.build-log");
    }

    private static String prune(String sourceId) {
        return "{\"action\": \"prune\", \"contents\": {\"source_ids\": [\"" + sourceId + "\"]}}";
    }

    private static String importJob(String image) {
        HttpResponse<byte[]> r = send(owner, "POST", "/v1/images/" + image + "/tasks", "{\"action\": \"import\"}");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        return imagesAndJobs(r).path("data").path("job").path("id").asText();
    }

    static JsonNode await(String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode job = imagesAndJobs(send(owner, "GET", "/v1/jobs/" + jobId, null)).path("data");
            String state = job.path("state").path("current").asText();
            if (state.equals("completed") || state.equals("error") || System.nanoTime() > deadline) return job;
            Thread.sleep(100);
        }
    }

    private static String error(HttpResponse<byte[]> r) {
        return CycleServer.json(r).path("error").path("code").asText();
    }

    private static HttpResponse<byte[]> send(String token, String method, String path, String body) {
        return send(token, method, path, body, "lab");
    }

    private static HttpResponse<byte[]> send(String token, String method, String path, String body, String hub) {
        return wharf.send(method, path, token, hub, body);
    }
}
