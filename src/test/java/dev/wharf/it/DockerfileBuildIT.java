package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.it.support.CycleClient;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker-file} sources built by buildah: from a Git repository the test makes (default branch, a named
 * branch, a Dockerfile in a sub-directory) and from an uploaded context; the image is pullable with skopeo and
 * holds the file the Dockerfile copied, the build log has buildah's output, and a broken Dockerfile or a missing
 * branch ends the job in error with the reason.
 */
class DockerfileBuildIT {
    private static final Duration BUILD = Duration.ofMinutes(3);

    @TempDir
    Path work;

    @Test
    void buildsFromGitRepositoriesAndUploadedContexts() throws Exception {
        Path repo = gitRepo(work.resolve("repo"));
        try (WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("data")),
                Map.of("WHARF_SOURCES_BUILD_GIT_PROTOCOLS", "file"))) {
            CycleClient cycle = new CycleClient(wharf);

            // Default branch, Dockerfile at the root.
            String source = cycle.source("Built App", "{\"type\": \"docker-file\", \"details\": {\"repo\":"
                    + " {\"url\": \"" + repo.toUri() + "\"}}}");
            String image = cycle.image(source);
            JsonNode done = cycle.awaitEnd(cycle.importImage(image), BUILD);
            assertThat(CycleClient.state(done)).as(done.toString()).isEqualTo("completed");
            assertThat(done.path("tasks").get(0).path("steps").findValuesAsText("caption"))
                    .containsExactly("Fetch", "Build", "Verify", "Save");
            String digest = done.path("tasks").get(0).path("output").path("digest").asText();
            JsonNode img = cycle.call("GET", "/v1/images/" + image, null, 200, true).path("data");
            assertThat(img.path("state").path("current").asText()).isEqualTo("live");
            assertThat(img.path("size").asLong()).isPositive();

            JsonNode log = cycle.call("GET", "/v1/images/" + image + "/build-log", null, 200, true).path("data");
            assertThat(log.path("image_id").asText()).isEqualTo(image);
            assertThat(log.path("log").asText()).contains("COPY hello.txt /hello.txt").contains("git clone");

            String ref = "docker://" + wharf.host() + "/admin/built-app:latest";
            assertThat(sha256(Skopeo.inspectRaw(ref))).isEqualTo(digest);
            assertThat(pulledFiles(ref, work.resolve("pulled"))).contains("hello from the main branch");

            // A named branch with the Dockerfile in a sub-directory and a build argument.
            String other = cycle.source("Other Branch", "{\"type\": \"docker-file\", \"details\": {\"repo\":"
                    + " {\"url\": \"" + repo.toUri() + "\", \"branch\": \"feature\"}, \"context_dir\": \"app\","
                    + " \"build_file\": \"app/Containerfile\"}}");
            String otherImage = cycle.call("POST", "/v1/images", "{\"source_id\": \"" + other + "\", \"build\":"
                    + " {\"args\": {\"GREETING\": \"argument\"}}}", 201, true).path("data").path("id").asText();
            JsonNode branch = cycle.awaitEnd(cycle.importImage(otherImage), BUILD);
            assertThat(CycleClient.state(branch)).as(branch.toString()).isEqualTo("completed");
            assertThat(pulledFiles("docker://" + wharf.host() + "/admin/other-branch:latest", work.resolve("b")))
                    .contains("hello from the feature branch");

            // The same context uploaded as a tar.gz.
            Path context = work.resolve("context.tar.gz");
            run(work, "tar", "-czf", context.toString(), "-C", repo.toString(), "Dockerfile", "hello.txt");
            String uploaded = cycle.source("Uploaded Context", "{\"type\": \"docker-file\", \"details\": {}}");
            String uploadedImage = cycle.image(uploaded);
            cycle.call("POST", "/v1/images/" + uploadedImage + "/tasks", "{\"action\": \"import\"}", 422, false);
            JsonNode fromUpload = cycle.awaitEnd(cycle.upload(uploadedImage, context), BUILD);
            assertThat(CycleClient.state(fromUpload)).as(fromUpload.toString()).isEqualTo("completed");
            assertThat(pulledFiles("docker://" + wharf.host() + "/admin/uploaded-context:latest", work.resolve("u")))
                    .contains("hello from the main branch");

            // Failures say why, and the log shows buildah's own words.
            String broken = cycle.source("Broken", "{\"type\": \"docker-file\", \"details\": {\"repo\":"
                    + " {\"url\": \"" + repo.toUri() + "\"}, \"build_file\": \"Broken.Dockerfile\"}}");
            String brokenImage = cycle.image(broken);
            JsonNode failed = cycle.awaitEnd(cycle.importImage(brokenImage), BUILD);
            assertThat(CycleClient.state(failed)).isEqualTo("error");
            String reason = failed.path("state").path("error").path("message").asText();
            assertThat(reason).startsWith("the build failed: ").contains("missing.txt");
            JsonNode brokenImg = cycle.call("GET", "/v1/images/" + brokenImage, null, 200, true).path("data");
            assertThat(brokenImg.path("state").path("current").asText()).isEqualTo("new"); // Cycle has no error state
            assertThat(brokenImg.path("state").path("error").path("message").asText()).isEqualTo(reason);
            assertThat(cycle.call("GET", "/v1/images/" + brokenImage + "/build-log", null, 200, true)
                    .path("data").path("log").asText()).contains("missing.txt").contains("[wharf] the build failed");
            assertThat(Skopeo.tryRun(Duration.ofSeconds(30), "inspect", "--tls-verify=false",
                    "docker://" + wharf.host() + "/admin/broken:latest").ok()).isFalse();

            String noBranch = cycle.source("No Branch", "{\"type\": \"docker-file\", \"details\": {\"repo\":"
                    + " {\"url\": \"" + repo.toUri() + "\", \"branch\": \"does-not-exist\"}}}");
            JsonNode notCloned = cycle.awaitEnd(cycle.importImage(cycle.image(noBranch)), BUILD);
            assertThat(notCloned.path("state").path("error").path("message").asText())
                    .startsWith("could not clone " + repo.toUri()).contains("does-not-exist");

            // A build that never ran has no log.
            cycle.call("GET", "/v1/images/" + cycle.image(source) + "/build-log", null, 404, true);
            // Every build directory is gone once its job ended.
            try (Stream<Path> left = Files.list(wharf.dataDir().resolve("builds"))) {
                assertThat(left.toList()).isEmpty();
            }
        }
    }

    /** A repository with a main branch (Dockerfile at the root) and a feature branch (app/Containerfile). */
    private static Path gitRepo(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("app"));
        run(dir, "git", "init", "--quiet", "--initial-branch=main");
        Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\nCOPY hello.txt /hello.txt\n");
        Files.writeString(dir.resolve("hello.txt"), "hello from the main branch\n");
        Files.writeString(dir.resolve("Broken.Dockerfile"), "FROM scratch\nCOPY missing.txt /missing.txt\n");
        run(dir, "git", "add", ".");
        run(dir, "git", "commit", "--quiet", "-m", "main");
        run(dir, "git", "checkout", "--quiet", "-b", "feature");
        Files.writeString(dir.resolve("app/Containerfile"), "FROM scratch\nARG GREETING\nCOPY feature.txt /\n");
        Files.writeString(dir.resolve("app/feature.txt"), "hello from the feature branch\n");
        run(dir, "git", "add", ".");
        run(dir, "git", "commit", "--quiet", "-m", "feature");
        run(dir, "git", "checkout", "--quiet", "main");
        return dir;
    }

    private static void run(Path dir, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(Map.of("GIT_AUTHOR_NAME", "t", "GIT_AUTHOR_EMAIL", "t@example.test",
                "GIT_COMMITTER_NAME", "t", "GIT_COMMITTER_EMAIL", "t@example.test"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    }

    /** Copies the image to an OCI layout and returns the text of every (gzip) layer, which holds the files. */
    private static String pulledFiles(String ref, Path layout) throws IOException {
        Skopeo.copy(ref, Skopeo.oci(layout, "latest"));
        StringBuilder text = new StringBuilder();
        try (Stream<Path> blobs = Files.list(layout.resolve("blobs/sha256"))) {
            for (Path blob : blobs.toList()) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(blob))) {
                    text.append(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
                } catch (java.util.zip.ZipException notGzip) {
                    text.append(Files.readString(blob, StandardCharsets.ISO_8859_1));
                }
            }
        }
        return text.toString();
    }

    private static String sha256(byte[] bytes) {
        return dev.wharf.it.support.OciLayouts.sha256(bytes);
    }
}
