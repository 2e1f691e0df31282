package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.wharf.it.support.CycleClient;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import dev.wharf.testing.HttpsFiles;
import dev.wharf.tls.SelfSignedCa;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker-file} sources built by buildah: from a Git repository the test makes (default branch, a named
 * branch with a Dockerfile in a sub-directory, a commit hash; over HTTPS from a server of a private CA named by
 * outbound.ca_file), from an uploaded context and from a targz_url; the image is pullable with skopeo and
 * holds the file the Dockerfile copied, the build log has buildah's output, a broken Dockerfile or a missing
 * branch ends the job in error with the reason, and deleting the image cancels a build at once.
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

            // A commit by hash, and a tarball from a targz_url whose only entry is a directory (as GitHub serves).
            String mainCommit = output(repo, "git", "rev-parse", "main").strip();
            String byHash = cycle.source("By Hash", "{\"type\": \"docker-file\", \"details\": {\"repo\":"
                    + " {\"url\": \"" + repo.toUri() + "\", \"ref\": {\"type\": \"hash\", \"value\": \""
                    + mainCommit + "\"}}}}");
            JsonNode hashDone = cycle.awaitEnd(cycle.importImage(cycle.image(byHash)), BUILD);
            assertThat(CycleClient.state(hashDone)).as(hashDone.toString()).isEqualTo("completed");
            Path archive = work.resolve("archive.tar.gz");
            run(work, "git", "-C", repo.toString(), "archive", "--format=tar.gz", "--prefix=repo-main/", "-o",
                    archive.toString(), "main");
            try (ContextServer server = new ContextServer(archive)) {
                String remote = cycle.source("Remote Tarball", "{\"type\": \"docker-file\", \"details\":"
                        + " {\"targz_url\": \"" + server.url("/context.tar.gz") + "\"}}");
                JsonNode remoteDone = cycle.awaitEnd(cycle.importImage(cycle.image(remote)), BUILD);
                assertThat(CycleClient.state(remoteDone)).as(remoteDone.toString()).isEqualTo("completed");
                assertThat(pulledFiles("docker://" + wharf.host() + "/admin/remote-tarball:latest", work.resolve("r")))
                        .contains("hello from the main branch");

                // A context that stops coming: deleting the image cancels the build at once.
                String stalled = cycle.source("Stalled", "{\"type\": \"docker-file\", \"details\":"
                        + " {\"targz_url\": \"" + server.url("/stall") + "\"}}");
                String stalledImage = cycle.image(stalled);
                String stalledJob = cycle.importImage(stalledImage);
                cycle.awaitJob(stalledJob, Duration.ofSeconds(60), j -> server.stalling());
                cycle.call("GET", "/v1/images/" + stalledImage, null, 200, true); // building
                long asked = System.nanoTime();
                cycle.call("DELETE", "/v1/images/" + stalledImage, null, 200, true);
                JsonNode cancelled = cycle.awaitEnd(stalledJob, Duration.ofSeconds(20));
                assertThat(CycleClient.state(cancelled)).isEqualTo("error");
                assertThat(cancelled.path("state").path("error").path("message").asText()).isEqualTo("cancelled");
                assertThat((System.nanoTime() - asked) / 1_000_000).isLessThan(10_000);
            }

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

    /**
     * A Git server whose certificate comes from a company CA (here: a CA of the test's own): the build clones from it
     * over HTTPS once outbound.ca_file names the CA, which BuildContext hands to git as a bundle.
     */
    @Test
    void buildsFromAGitServerWithAPrivateCa() throws Exception {
        Path repo = gitRepo(work.resolve("repo"));
        Path bare = work.resolve("repo.git");
        run(work, "git", "clone", "--quiet", "--bare", repo.toString(), bare.toString());
        run(bare, "git", "update-server-info"); // git's "dumb" HTTP protocol: the repository as plain files
        SelfSignedCa.Issued ca = SelfSignedCa.ensure(Files.createDirectories(work.resolve("ca")),
                List.of("127.0.0.1"), Instant.now());
        try (HttpsFiles gitServer = new HttpsFiles(bare, "repo.git", ca);
                WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("data")), Map.of(
                        "WHARF_SOURCES_BUILD_GIT_PROTOCOLS", "https", "WHARF_OUTBOUND_ALLOW", "127.0.0.0/8",
                        "WHARF_OUTBOUND_CA_FILE", ca.ca().toString()))) {
            CycleClient cycle = new CycleClient(wharf);
            // By commit (a full clone): git's dumb HTTP protocol has no shallow clones.
            String commit = output(repo, "git", "rev-parse", "main").strip();
            String source = cycle.source("Private Git", "{\"type\": \"docker-file\", \"details\": {\"repo\":"
                    + " {\"url\": \"" + gitServer.url("repo.git") + "\", \"ref\": {\"type\": \"hash\","
                    + " \"value\": \"" + commit + "\"}}}}");
            JsonNode done = cycle.awaitEnd(cycle.importImage(cycle.image(source)), BUILD);
            assertThat(CycleClient.state(done)).as(done.toString()).isEqualTo("completed");
            assertThat(pulledFiles("docker://" + wharf.host() + "/admin/private-git:latest", work.resolve("p")))
                    .contains("hello from the main branch");
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

    private static String output(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    /** Serves a tarball at {@code /context.tar.gz}; {@code /stall} sends a few bytes and then nothing. */
    private static final class ContextServer implements AutoCloseable {
        private final HttpServer server;
        private final CountDownLatch release = new CountDownLatch(1);
        private volatile boolean stalling;

        ContextServer(Path tarball) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/context.tar.gz", x -> {
                x.sendResponseHeaders(200, Files.size(tarball));
                try (OutputStream out = x.getResponseBody()) {
                    Files.copy(tarball, out);
                }
            });
            server.createContext("/stall", x -> {
                x.sendResponseHeaders(200, 1_000_000);
                OutputStream out = x.getResponseBody();
                out.write(new byte[1000]);
                out.flush();
                stalling = true;
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                x.close();
            });
            server.start();
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        boolean stalling() {
            return stalling;
        }

        @Override
        public void close() {
            release.countDown();
            server.stop(0);
        }
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
