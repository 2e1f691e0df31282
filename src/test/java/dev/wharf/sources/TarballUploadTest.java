package dev.wharf.sources;

import static dev.wharf.sources.CycleServer.imagesAndJobs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.User;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.Skopeo;
import dev.wharf.testing.TestServer;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cycle-upload sources: docker save and OCI layout tarballs made by skopeo, and tarballs that must be refused. */
class TarballUploadTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    @TempDir static Path dir;
    static CycleServer wharf;
    static String token;
    static Path layout;
    static OciLayouts.Image image;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/skopeo")), "skopeo is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tar")) || Files.isExecutable(Path.of("/bin/tar")), "no tar");
        wharf = new CycleServer(TestServer.builder(Files.createDirectories(dir.resolve("wharf")))
                .flags("--sources-upload-max-bytes", "4000000").build());
        User gil = wharf.user("gil");
        token = wharf.token(gil);
        layout = dir.resolve("layout");
        image = OciLayouts.image(layout, "1", 9, 300_000, 40_000, 2_000);
    }

    @AfterAll
    static void stop() {
        if (wharf != null) wharf.close();
    }

    @Test
    void ociArchiveKeepsItsDigests() throws Exception {
        Path tarball = dir.resolve("image-oci.tar");
        Skopeo.copy(Skopeo.oci(layout, "1"), "oci-archive:" + tarball + ":1");
        JsonNode job = uploadAndWait("Oci Upload", tarball);
        assertThat(job.path("state").path("current").asText()).as(job.toString()).isEqualTo("completed");
        assertThat(job.path("tasks").get(0).path("output").path("digest").asText()).isEqualTo(image.digest());
        assertThat(OciLayouts.sha256(inspect("gil/oci-upload:latest"))).isEqualTo(image.digest());
        Path back = dir.resolve("back-oci");
        Skopeo.copy(pullRef("gil/oci-upload:latest"), Skopeo.oci(back, "1"), "--src-creds", "gil:password-gil-123");
        assertThat(OciLayouts.blobs(back)).containsAll(image.blobs());
    }

    @Test
    void dockerSaveGetsASchema2ManifestOverTheSameLayers() throws Exception {
        Path tarball = dir.resolve("image-docker.tar");
        dockerArchive(tarball);
        JsonNode job = uploadAndWait("Docker Upload", tarball);
        assertThat(job.path("state").path("current").asText()).as(job.toString()).isEqualTo("completed");
        JsonNode manifest = CycleServer.JSON.readTree(inspect("gil/docker-upload:latest"));
        assertThat(manifest.path("mediaType").asText()).isEqualTo(ImageTarball.DOCKER_MANIFEST);
        assertThat(manifest.path("layers").findValuesAsText("digest")).isEqualTo(image.blobs().subList(1, 4));
        assertThat(job.path("tasks").get(0).path("output").path("digest").asText())
                .isEqualTo(OciLayouts.sha256(inspect("gil/docker-upload:latest")));
        Path back = dir.resolve("back-docker");
        Skopeo.copy(pullRef("gil/docker-upload:latest"), Skopeo.oci(back, "1"), "--src-creds", "gil:password-gil-123");
        assertThat(OciLayouts.blobs(back)).containsAll(image.blobs().subList(1, 4));
    }

    @Test
    void somethingThatIsNotATarballFailsClearly() throws Exception {
        byte[] junk = new byte[100_000];
        new Random(1).nextBytes(junk);
        JsonNode job = uploadAndWait("Junk", Files.write(dir.resolve("junk.tar"), junk));
        assertThat(job.path("state").path("current").asText()).isEqualTo("error");
        assertThat(job.path("state").path("error").path("message").asText()).contains("not a tar archive");
        assertThat(job.path("meta").path("attempts").asInt()).isEqualTo(1);
        assertThat(inspectOk("gil/junk:latest")).isFalse();
    }

    @Test
    void ociLayoutWithALyingBlobStoresNothing() throws Exception {
        Path copy = copyOf(layout, "lying-oci");
        corrupt(OciLayouts.blob(copy, image.blobs().get(3))); // the last layer: all others would be stored first
        JsonNode job = uploadAndWait("Lying Oci", tar(copy, dir.resolve("lying-oci.tar")));
        assertThat(job.path("state").path("current").asText()).isEqualTo("error");
        assertThat(job.path("state").path("error").path("message").asText())
                .contains(image.blobs().get(3)).contains("does not match its digest");
        assertThat(inspectOk("gil/lying-oci:latest")).isFalse();
        assertThat(blobStatus("gil/lying-oci", image.blobs().get(0))).isEqualTo(404);
        assertThat(blobStatus("gil/lying-oci", image.blobs().get(1))).isEqualTo(404);
        JsonNode img = CycleServer.json(wharf.send("GET", "/v1/images/" + imageOf(job), token, "gil", null));
        assertThat(img.path("data").path("state").path("current").asText()).isEqualTo("new");
    }

    @Test
    void dockerSaveWithALayerThatIsNotItsDiffIdStoresNothing() throws Exception {
        Path tarball = dir.resolve("lying-docker-src.tar");
        dockerArchive(tarball);
        Path unpacked = Files.createDirectories(dir.resolve("lying-docker"));
        run("tar", "-xf", tarball.toString(), "-C", unpacked.toString());
        corrupt(largest(unpacked));
        JsonNode job = uploadAndWait("Lying Docker", tar(unpacked, dir.resolve("lying-docker.tar")));
        assertThat(job.path("state").path("current").asText()).isEqualTo("error");
        assertThat(job.path("state").path("error").path("message").asText()).contains("does not match the config's diff_id");
        assertThat(blobStatus("gil/lying-docker", image.blobs().get(0))).isEqualTo(404);
    }

    @Test
    void uploadsPastTheLimitAndToOtherSourcesAreRefused() throws Exception {
        String image = image(source("Too Big"));
        HttpResponse<byte[]> big = upload(image, HttpRequest.BodyPublishers.ofByteArray(new byte[4_000_001]));
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(CycleServer.json(big).path("error").path("code").asText()).isEqualTo("413.payload-too-large");
        HttpResponse<byte[]> task = wharf.send("POST", "/v1/images/" + image + "/tasks", token, "gil",
                "{\"action\": \"import\"}");
        assertThat(task.statusCode()).isEqualTo(422);
        assertThat(imagesAndJobs(task).path("error").path("detail").asText()).contains("/upload");
        String registrySource = CycleServer.json(wharf.send("POST", "/v1/images/sources", token, "gil",
                "{\"name\": \"Reg\", \"type\": \"direct\", \"origin\": {\"type\": \"docker-registry\", \"details\":"
                        + " {\"target\": \"a/b:1\", \"url\": \"http://127.0.0.1:1\"}}}")).path("data").path("id").asText();
        HttpResponse<byte[]> wrong = upload(image(registrySource), HttpRequest.BodyPublishers.ofByteArray(new byte[10]));
        assertThat(wrong.statusCode()).isEqualTo(422);
    }

    /** Without --preserve-digests: writing docker-archive converts the OCI manifest (layers stay as they are). */
    private static void dockerArchive(Path tarball) {
        Skopeo.run("copy", "--quiet", Skopeo.oci(layout, "1"), "docker-archive:" + tarball + ":gil/app:1");
    }

    private static JsonNode uploadAndWait(String name, Path tarball) throws Exception {
        HttpResponse<byte[]> r = upload(image(source(name)), HttpRequest.BodyPublishers.ofFile(tarball));
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        String jobId = CycleServer.json(r).path("data").path("job").path("id").asText();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonNode job = imagesAndJobs(wharf.send("GET", "/v1/jobs/" + jobId, token, "gil", null)).path("data");
            String state = job.path("state").path("current").asText();
            if (state.equals("completed") || state.equals("error") || System.nanoTime() > deadline) return job;
            Thread.sleep(100);
        }
    }

    private static HttpResponse<byte[]> upload(String imageId, HttpRequest.BodyPublisher body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(wharf.base + "/v1/images/" + imageId + "/upload"))
                .header("Authorization", "Bearer " + token).header("X-Hub-Id", "gil")
                .header("Content-Type", "application/x-tar").POST(body).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String source(String name) {
        HttpResponse<byte[]> r = wharf.send("POST", "/v1/images/sources", token, "gil", "{\"name\": \"" + name
                + "\", \"type\": \"direct\", \"origin\": {\"type\": \"cycle-upload\", \"details\": {\"token\": \"t\","
                + " \"expires\": \"2030-01-01T00:00:00Z\"}}}");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return CycleServer.json(r).path("data").path("id").asText();
    }

    private static String image(String source) {
        HttpResponse<byte[]> r = wharf.send("POST", "/v1/images", token, "gil", "{\"source_id\": \"" + source + "\"}");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(201);
        return imagesAndJobs(r).path("data").path("id").asText();
    }

    private static String imageOf(JsonNode job) {
        return job.path("tasks").get(0).path("input").path("image_id").asText();
    }

    private static String pullRef(String reference) {
        return "docker://" + wharf.base.substring("http://".length()) + "/" + reference;
    }

    private static byte[] inspect(String reference) {
        return Skopeo.run("inspect", "--raw", "--tls-verify=false", "--creds", "gil:password-gil-123",
                pullRef(reference)).stdout();
    }

    private static boolean inspectOk(String reference) {
        return Skopeo.tryRun(Duration.ofMinutes(1), "inspect", "--raw", "--tls-verify=false", "--creds",
                "gil:password-gil-123", pullRef(reference)).ok();
    }

    /** HEAD of a blob with a pull token for {@code repo} (auth is on). */
    private static int blobStatus(String repo, String digest) throws Exception {
        String basic = java.util.Base64.getEncoder().encodeToString("gil:password-gil-123".getBytes());
        HttpResponse<byte[]> t = HTTP.send(HttpRequest.newBuilder(URI.create(wharf.base + "/token?scope=repository:"
                        + repo + ":pull")).header("Authorization", "Basic " + basic).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        String bearer = CycleServer.json(t).path("token").asText();
        return HTTP.send(HttpRequest.newBuilder(URI.create(wharf.base + "/v2/" + repo + "/blobs/" + digest))
                .header("Authorization", "Bearer " + bearer).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Flips one byte in the middle: same size, different digest. */
    private static void corrupt(Path file) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0xff);
        }
    }

    private static Path largest(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).max(Comparator.comparingLong(TarballUploadTest::size)).orElseThrow();
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path copyOf(Path from, String name) throws Exception {
        Path to = dir.resolve(name);
        run("cp", "-r", from.toString(), to.toString());
        return to;
    }

    private static Path tar(Path from, Path to) throws Exception {
        run("tar", "-cf", to.toString(), "-C", from.toString(), ".");
        return to;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }
}
