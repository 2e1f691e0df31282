package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.it.support.CountingProxy;
import dev.wharf.it.support.CycleClient;
import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
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

    @TempDir
    Path work;

    @Test
    void importInterruptedByKill9ResumesAfterRestart() throws Exception {
        Path layout = work.resolve("layout");
        // Small layers before and after the large one: the first ones are stored when the kill comes.
        OciLayouts.Image image = OciLayouts.image(layout, "1.0", 77, 200_000, 300_000, 64 * MIB, 100_000);
        try (DistributionProcess upstream = DistributionProcess.start(Files.createDirectories(work.resolve("up")));
                CountingProxy proxy = new CountingProxy(upstream.port(), 8 * MIB);
                // A short lease, which the restarted node must wait out before it may take the dead node's job over;
                // 10 s rather than the shortest allowed (6 s) leaves the renewals room on a loaded CI machine.
                WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("data")),
                        Map.of("WHARF_JOBS_LEASE", "10s"))) {
            Skopeo.copy(Skopeo.oci(layout, "1.0"), "docker://" + upstream.host() + "/team/app:1.0");
            CycleClient cycle = new CycleClient(wharf);
            String jobId = startImport(cycle, "http://" + proxy.host());

            String big = image.blobs().get(3);
            JsonNode mid = cycle.awaitJob(jobId, Duration.ofSeconds(60),
                    j -> proxy.gets(blobPath(big)) == 1 && bytesDone(j) > 600_000);
            assertThat(mid.path("state").path("current").asText()).as(mid.toString()).isEqualTo("running");
            assertThat(bytesDone(mid)).isLessThan(bytesTotal(mid));
            wharf.kill9();
            wharf.restart();

            cycle = new CycleClient(wharf);
            JsonNode done = cycle.awaitEnd(jobId, Duration.ofSeconds(90));
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

    private static String startImport(CycleClient cycle, String url) throws Exception {
        String source = cycle.source("Resume App", "{\"type\": \"docker-registry\", \"details\":"
                + " {\"target\": \"team/app:1.0\", \"url\": \"" + url + "\"}}");
        return cycle.importImage(cycle.image(source));
    }

    private static long bytesDone(JsonNode job) {
        return job.path("tasks").path(0).path("output").path("bytes_done").asLong(0);
    }

    private static long bytesTotal(JsonNode job) {
        return job.path("tasks").path(0).path("output").path("bytes_total").asLong(0);
    }
}
