package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.contract.OpenApiContract;
import dev.wharf.it.support.CountingProxy;
import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.OciLayouts;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of Wharf in the middle of an import: after a restart on the same data directory the job's
 * lease expires, the restarted node takes it over, finishes it without downloading again the blobs it had
 * already stored, and the result is the upstream image, digest for digest.
 */
class ImportResumeIT {
    private static final long MIB = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path work;

    @Test
    void importInterruptedByKill9ResumesAfterRestart() throws Exception {
        Path layout = work.resolve("layout");
        // Small layers before and after the large one: the first ones are stored when the kill comes.
        OciLayouts.Image image = OciLayouts.image(layout, "1.0", 77, 200_000, 300_000, 64 * MIB, 100_000);
        try (DistributionProcess upstream = DistributionProcess.start(Files.createDirectories(work.resolve("up")));
                CountingProxy proxy = new CountingProxy(port(upstream.host()), 8 * MIB);
                WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("data")))) {
            Skopeo.copy(Skopeo.oci(layout, "1.0"), "docker://" + upstream.host() + "/team/app:1.0");
            String token = login(wharf);
            String jobId = startImport(wharf, token, "http://" + proxy.host());

            String big = image.blobs().get(3);
            JsonNode mid = awaitJob(wharf, token, jobId, Duration.ofSeconds(60),
                    j -> proxy.gets(blobPath(big)) == 1 && bytesDone(j) > 600_000);
            assertThat(mid.path("state").path("current").asText()).as(mid.toString()).isEqualTo("running");
            assertThat(bytesDone(mid)).isLessThan(bytesTotal(mid));
            wharf.kill9();
            wharf.restart();

            token = login(wharf);
            // The dead node's 30 s lease has to expire before the restarted node may take the job over.
            JsonNode done = awaitJob(wharf, token, jobId, Duration.ofSeconds(120), j -> finished(j));
            assertThat(done.path("state").path("current").asText()).as(done.toString()).isEqualTo("completed");
            assertThat(done.path("meta").path("attempts").asInt()).isEqualTo(2);
            assertThat(done.path("tasks").get(0).path("output").path("digest").asText()).isEqualTo(image.digest());

            // Config and the two small layers were stored before the kill: fetched once. The large one was cut
            // off and fetched again from the start; the last layer was only reached after the restart.
            List<String> blobs = image.blobs();
            assertThat(blobs.subList(0, 3)).allSatisfy(d -> assertThat(proxy.gets(blobPath(d))).as(d).isEqualTo(1));
            assertThat(proxy.gets(blobPath(big))).isEqualTo(2);
            assertThat(proxy.gets(blobPath(blobs.get(4)))).isEqualTo(1);

            String ref = "docker://" + wharf.host() + "/admin/resume-app:1.0";
            assertThat(OciLayouts.sha256(Skopeo.inspectRaw(ref))).isEqualTo(image.digest());
            Path back = work.resolve("back");
            Skopeo.copy(ref, Skopeo.oci(back, "1.0"));
            assertThat(OciLayouts.blobs(back)).containsAll(image.blobs());
            assertThat(OciLayouts.digestOf(back, "1.0")).isEqualTo(image.digest());
        }
    }

    private static String blobPath(String digest) {
        return "/v2/team/app/blobs/" + digest;
    }

    private static String startImport(WharfProcess wharf, String token, String url) throws Exception {
        JsonNode source = call(wharf, token, "POST", "/v1/images/sources", "{\"name\": \"Resume App\","
                + " \"type\": \"direct\", \"origin\": {\"type\": \"docker-registry\", \"details\":"
                + " {\"target\": \"team/app:1.0\", \"url\": \"" + url + "\"}}}", 201, false);
        JsonNode image = call(wharf, token, "POST", "/v1/images",
                "{\"source_id\": \"" + source.path("data").path("id").asText() + "\"}", 201, true);
        JsonNode job = call(wharf, token, "POST", "/v1/images/" + image.path("data").path("id").asText() + "/tasks",
                "{\"action\": \"import\"}", 200, true);
        return job.path("data").path("job").path("id").asText();
    }

    private static JsonNode awaitJob(WharfProcess wharf, String token, String jobId, Duration timeout,
            java.util.function.Predicate<JsonNode> until) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode job;
        do {
            job = call(wharf, token, "GET", "/v1/jobs/" + jobId, null, 200, true).path("data");
            if (until.test(job)) return job;
            Thread.sleep(100);
        } while (System.nanoTime() < deadline && !finished(job));
        throw new AssertionError("job did not get there in " + timeout + ": " + job);
    }

    private static boolean finished(JsonNode job) {
        return List.of("completed", "error").contains(job.path("state").path("current").asText());
    }

    private static long bytesDone(JsonNode job) {
        return job.path("tasks").path(0).path("output").path("bytes_done").asLong(0);
    }

    private static long bytesTotal(JsonNode job) {
        return job.path("tasks").path(0).path("output").path("bytes_total").asLong(0);
    }

    private static String login(WharfProcess wharf) throws Exception {
        String body = JSON.writeValueAsString(Map.of("username", WharfProcess.ADMIN.username(),
                "password", WharfProcess.ADMIN.password()));
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                        + "/v2/users/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        return JSON.readTree(r.body()).path("token").asText();
    }

    /** One /v1/ call as the administrator in the admin hub; {@code contract} checks it against Cycle's API. */
    private static JsonNode call(WharfProcess wharf, String token, String method, String path, String body,
            int status, boolean contract) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + wharf.host() + path))
                .header("Authorization", "Bearer " + token).header("X-Hub-Id", "admin")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(method + " " + path + ": " + new String(r.body())).isEqualTo(status);
        if (contract) OpenApiContract.cycleImagesAndJobs().assertResponseMatches(r);
        return JSON.readTree(r.body());
    }

    private static int port(String host) {
        return Integer.parseInt(host.substring(host.indexOf(':') + 1));
    }
}
