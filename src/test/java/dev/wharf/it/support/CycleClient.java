package dev.wharf.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.contract.OpenApiContract;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The Cycle {@code /v1/} API of a running Wharf, as its administrator in the admin hub: logs in once, checks
 * each images-and-jobs answer against Cycle's contract, and waits for jobs.
 */
public final class CycleClient {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final WharfProcess wharf;
    private final String token;
    private final String hub;

    public CycleClient(WharfProcess wharf) throws Exception {
        this(wharf, WharfProcess.ADMIN);
    }

    /** As {@code user}, in the user's own hub. */
    public CycleClient(WharfProcess wharf, Credentials user) throws Exception {
        this(wharf, user, user.username());
    }

    /** As {@code user}, in {@code hub} (an organization the user belongs to, or their own name). */
    public CycleClient(WharfProcess wharf, Credentials user, String hub) throws Exception {
        this.wharf = wharf;
        this.hub = hub;
        String body = JSON.writeValueAsString(Map.of("username", user.username(), "password", user.password()));
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                        + "/v2/users/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        this.token = JSON.readTree(r.body()).path("token").asText();
    }

    /** Creates a source (201) and returns its id. */
    public String source(String name, String origin) throws Exception {
        return call("POST", "/v1/images/sources", "{\"name\": \"" + name + "\", \"type\": \"direct\", \"origin\": "
                + origin + "}", 201, false).path("data").path("id").asText();
    }

    /** Creates an image of the source (201) and returns its id. */
    public String image(String sourceId) throws Exception {
        return call("POST", "/v1/images", "{\"source_id\": \"" + sourceId + "\"}", 201, true)
                .path("data").path("id").asText();
    }

    /** Starts the image's import (or build) and returns the job id. */
    public String importImage(String imageId) throws Exception {
        return call("POST", "/v1/images/" + imageId + "/tasks", "{\"action\": \"import\"}", 200, true)
                .path("data").path("job").path("id").asText();
    }

    /** Sends {@code file} as the body of {@code POST /v1/images/{id}/upload}; returns the job id. */
    public String upload(String imageId, Path file) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                        + "/v1/images/" + imageId + "/upload")).header("Authorization", "Bearer " + token)
                .header("X-Hub-Id", hub).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        return JSON.readTree(r.body()).path("data").path("job").path("id").asText();
    }

    public JsonNode job(String jobId) throws Exception {
        return call("GET", "/v1/jobs/" + jobId, null, 200, true).path("data");
    }

    /** Polls the job until {@code until} holds; fails if it finishes or times out first. */
    public JsonNode awaitJob(String jobId, Duration timeout, Predicate<JsonNode> until) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode job;
        do {
            job = job(jobId);
            if (until.test(job)) return job;
            Thread.sleep(100);
        } while (System.nanoTime() < deadline && !finished(job));
        throw new AssertionError("job did not get there in " + timeout + ": " + job);
    }

    /** Waits for the job to end and returns it (completed or error). */
    public JsonNode awaitEnd(String jobId, Duration timeout) throws Exception {
        return awaitJob(jobId, timeout, CycleClient::finished);
    }

    public static boolean finished(JsonNode job) {
        return List.of("completed", "error").contains(job.path("state").path("current").asText());
    }

    public static String state(JsonNode job) {
        return job.path("state").path("current").asText();
    }

    /** One call; {@code contract} checks the answer against Cycle's images-and-jobs API. */
    public JsonNode call(String method, String path, String body, int status, boolean contract) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + wharf.host() + path))
                .header("Authorization", "Bearer " + token).header("X-Hub-Id", hub)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(method + " " + path + ": " + new String(r.body())).isEqualTo(status);
        if (contract) OpenApiContract.cycleImagesAndJobs().assertResponseMatches(r);
        return JSON.readTree(r.body());
    }
}
