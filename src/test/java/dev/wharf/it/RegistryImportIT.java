package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.it.support.CountingProxy;
import dev.wharf.it.support.Credentials;
import dev.wharf.it.support.CycleClient;
import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports from real upstreams: a second Wharf with token auth (single- and multi-arch, credentials in the
 * origin), concurrent imports of images sharing base layers (each layer downloaded and stored once), a 200 MiB
 * layer imported by a server whose heap is smaller than the layer, and an import cancelled by deleting its image.
 */
class RegistryImportIT {
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path work;

    @Test
    void importsFromAnotherWharfWithTokenAuth() throws Exception {
        Path layout = work.resolve("layout");
        OciLayouts.Image single = OciLayouts.image(layout, "1", 11, 300_000, 120_000);
        OciLayouts.Index multi = OciLayouts.multiArch(layout, "2", 12, 200_000, 50_000);
        try (WharfProcess upstream = WharfProcess.start(Files.createDirectories(work.resolve("up")));
                WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("data")))) {
            Credentials pusher = upstream.createUser("pusher", "pusher-password-1");
            String creds = pusher.username() + ":" + pusher.password();
            Skopeo.copy(Skopeo.oci(layout, "1"), "docker://" + upstream.host() + "/pusher/app:1", "--dest-creds", creds);
            Skopeo.copy(Skopeo.oci(layout, "2"), "docker://" + upstream.host() + "/pusher/multi:2", "--all",
                    "--dest-creds", creds);
            CycleClient cycle = new CycleClient(wharf);

            String singleSource = cycle.source("From Wharf", "{\"type\": \"docker-registry\", \"details\": {\"target\":"
                    + " \"pusher/app:1\", \"url\": \"http://" + upstream.host() + "\", \"allow_plain_http\": true, \"username\": \"pusher\","
                    + " \"password\": \"pusher-password-1\"}}");
            JsonNode done = cycle.awaitEnd(cycle.importImage(cycle.image(singleSource)), Duration.ofSeconds(90));
            assertThat(CycleClient.state(done)).as(done.toString()).isEqualTo("completed");
            assertThat(OciLayouts.sha256(Skopeo.inspectRaw("docker://" + wharf.host() + "/admin/from-wharf:1")))
                    .isEqualTo(single.digest());

            // Multi-arch through the oci-registry origin's user auth: the index and both children, digest for digest.
            String multiSource = cycle.source("Multi From Wharf", "{\"type\": \"oci-registry\", \"details\":"
                    + " {\"target\": \"pusher/multi:2\", \"url\": \"http://" + upstream.host() + "\", \"allow_plain_http\": true, \"auth\":"
                    + " {\"type\": \"user\", \"details\": {\"username\": \"pusher\", \"token\": \"pusher-password-1\"}}}}");
            JsonNode multiDone = cycle.awaitEnd(cycle.importImage(cycle.image(multiSource)), Duration.ofSeconds(90));
            assertThat(CycleClient.state(multiDone)).as(multiDone.toString()).isEqualTo("completed");
            String ref = "docker://" + wharf.host() + "/admin/multi-from-wharf:2";
            assertThat(OciLayouts.sha256(Skopeo.inspectRaw(ref))).isEqualTo(multi.digest());
            Path back = work.resolve("back");
            Skopeo.copy(ref, Skopeo.oci(back, "2"), "--all");
            for (OciLayouts.Image child : multi.images()) assertThat(OciLayouts.blobs(back)).containsAll(child.blobs());

            String wrong = cycle.source("Wrong Password", "{\"type\": \"docker-registry\", \"details\": {\"target\":"
                    + " \"pusher/app:1\", \"url\": \"http://" + upstream.host() + "\", \"allow_plain_http\": true, \"username\": \"pusher\","
                    + " \"password\": \"not-the-password\"}}");
            JsonNode refused = cycle.awaitEnd(cycle.importImage(cycle.image(wrong)), Duration.ofSeconds(90));
            assertThat(CycleClient.state(refused)).isEqualTo("error");
            assertThat(refused.path("state").path("error").path("message").asText())
                    .contains("wrong or missing credentials");
            assertThat(Files.readString(wharf.logFile())).doesNotContain("pusher-password-1")
                    .doesNotContain("not-the-password");
        }
    }

    @Test
    void concurrentImportsSharingBaseLayersDownloadAndStoreEachLayerOnce() throws Exception {
        // Same seed and first sizes: the two base layers are identical; the top layers differ.
        OciLayouts.Image a = OciLayouts.image(work.resolve("a"), "1", 21, 6 * MIB, 3 * MIB, 100_000);
        OciLayouts.Image b = OciLayouts.image(work.resolve("b"), "1", 21, 6 * MIB, 3 * MIB, 200_000);
        assertThat(a.blobs().subList(1, 3)).isEqualTo(b.blobs().subList(1, 3));
        try (DistributionProcess upstream = DistributionProcess.start(Files.createDirectories(work.resolve("up")));
                // Throttled, so both imports are downloading the base layers at the same time.
                CountingProxy proxy = new CountingProxy(upstream.port(), 8 * MIB);
                WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("data")))) {
            Skopeo.copy(Skopeo.oci(work.resolve("a"), "1"), "docker://" + upstream.host() + "/base/a:1");
            Skopeo.copy(Skopeo.oci(work.resolve("b"), "1"), "docker://" + upstream.host() + "/base/b:1");
            CycleClient cycle = new CycleClient(wharf);
            String imageA = cycle.image(cycle.source("Shared A", registry(proxy.host(), "base/a:1")));
            String imageB = cycle.image(cycle.source("Shared B", registry(proxy.host(), "base/b:1")));
            String jobA = cycle.importImage(imageA);
            String jobB = cycle.importImage(imageB);
            JsonNode doneA = cycle.awaitEnd(jobA, Duration.ofSeconds(120));
            JsonNode doneB = cycle.awaitEnd(jobB, Duration.ofSeconds(120));
            assertThat(CycleClient.state(doneA)).as(doneA.toString()).isEqualTo("completed");
            assertThat(CycleClient.state(doneB)).as(doneB.toString()).isEqualTo("completed");
            // Both really ran side by side (two workers), not one after the other.
            assertThat(instant(doneA, "started")).isLessThan(instant(doneB, "completed"));
            assertThat(instant(doneB, "started")).isLessThan(instant(doneA, "completed"));

            for (String shared : a.blobs().subList(1, 3)) {
                assertThat(proxy.gets("/v2/base/a/blobs/" + shared) + proxy.gets("/v2/base/b/blobs/" + shared))
                        .as(shared).isEqualTo(1);
            }
            Set<String> distinct = new HashSet<>(a.blobs());
            distinct.addAll(b.blobs());
            assertThat(storedBlobs(wharf.dataDir())).containsExactlyInAnyOrderElementsOf(distinct);

            for (String repo : List.of("shared-a", "shared-b")) {
                Path back = work.resolve("back-" + repo);
                Skopeo.copy("docker://" + wharf.host() + "/admin/" + repo + ":1", Skopeo.oci(back, "1"));
            }
            assertThat(OciLayouts.digestOf(work.resolve("back-shared-a"), "1")).isEqualTo(a.digest());
            assertThat(OciLayouts.digestOf(work.resolve("back-shared-b"), "1")).isEqualTo(b.digest());
        }
    }

    @Test
    void importsA200MiBLayerWithAHeapSmallerThanTheLayer() throws Exception {
        Path layout = work.resolve("layout");
        OciLayouts.Image big = OciLayouts.image(layout, "1", 31, 200 * MIB);
        try (DistributionProcess upstream = DistributionProcess.start(Files.createDirectories(work.resolve("up")));
                WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("data")),
                        Map.of("JAVA_TOOL_OPTIONS", "-Xmx128m"))) {
            Skopeo.copy(Skopeo.oci(layout, "1"), "docker://" + upstream.host() + "/big/app:1");
            CycleClient cycle = new CycleClient(wharf);
            String image = cycle.image(cycle.source("Big", registry(upstream.host(), "big/app:1")));
            JsonNode done = cycle.awaitEnd(cycle.importImage(image), Duration.ofMinutes(5));
            assertThat(CycleClient.state(done)).as(done.toString()).isEqualTo("completed");
            JsonNode output = done.path("tasks").get(0).path("output");
            assertThat(output.path("bytes_done").asLong()).isEqualTo(output.path("bytes_total").asLong())
                    .isGreaterThan(200 * MIB);
            JsonNode img = cycle.call("GET", "/v1/images/" + image, null, 200, true).path("data");
            assertThat(img.path("size").asLong()).isGreaterThan(200 * MIB);
            Path back = work.resolve("back");
            Skopeo.copy("docker://" + wharf.host() + "/admin/big:1", Skopeo.oci(back, "1"));
            assertThat(OciLayouts.digestOf(back, "1")).isEqualTo(big.digest());
            assertThat(OciLayouts.blobs(back)).containsAll(big.blobs());
        }
    }

    @Test
    void deletingAnImageCancelsItsImportPromptlyAndLeavesNothingHalfWritten() throws Exception {
        Path layout = work.resolve("layout");
        OciLayouts.image(layout, "1", 41, 100_000, 64 * MIB);
        try (DistributionProcess upstream = DistributionProcess.start(Files.createDirectories(work.resolve("up")));
                CountingProxy slow = new CountingProxy(upstream.port(), 2 * MIB);
                WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("data")))) {
            Skopeo.copy(Skopeo.oci(layout, "1"), "docker://" + upstream.host() + "/slow/app:1");
            CycleClient cycle = new CycleClient(wharf);
            String image = cycle.image(cycle.source("Slow", registry(slow.host(), "slow/app:1")));
            String job = cycle.importImage(image);
            cycle.awaitJob(job, Duration.ofSeconds(60),
                    j -> j.path("tasks").path(0).path("output").path("bytes_done").asLong() > 2 * MIB);
            long asked = System.nanoTime();
            cycle.call("DELETE", "/v1/images/" + image, null, 200, true);
            JsonNode ended = cycle.awaitEnd(job, Duration.ofSeconds(20));
            long tookMillis = (System.nanoTime() - asked) / 1_000_000;
            assertThat(CycleClient.state(ended)).isEqualTo("error");
            assertThat(ended.path("state").path("error").path("message").asText()).isEqualTo("cancelled");
            // The 64 MiB layer was far from downloaded at 2 MiB/s: the job stopped inside it.
            assertThat(tookMillis).as("stopped after %d ms", tookMillis).isLessThan(10_000);
            assertThat(ended.path("tasks").path(0).path("output").path("bytes_done").asLong()).isLessThan(40 * MIB);
            // No tag, no manifest, no staged partial blob.
            assertThat(Skopeo.tryRun(Duration.ofSeconds(30), "inspect", "--tls-verify=false",
                    "docker://" + wharf.host() + "/admin/slow:1").ok()).isFalse();
            try (Stream<Path> staged = Files.list(Files.createDirectories(wharf.dataDir().resolve("storage/uploads")))) {
                assertThat(staged.toList()).isEmpty();
            }
            cycle.call("GET", "/v1/images/" + image, null, 404, true);
        }
    }

    private static String registry(String host, String target) {
        return "{\"type\": \"docker-registry\", \"details\": {\"target\": \"" + target + "\", \"url\": \"http://"
                + host + "\"}}";
    }

    private static String instant(JsonNode job, String event) {
        return job.path("events").path(event).asText();
    }

    /** Digests of the blob files in the filesystem store: one file per stored blob. */
    private static List<String> storedBlobs(Path dataDir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dataDir.resolve("storage/blobs/sha256"))) {
            files.filter(Files::isRegularFile).forEach(f -> out.add("sha256:" + f.getFileName()));
        }
        return out;
    }
}
