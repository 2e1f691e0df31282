package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose disk fills up (its data directory on a 48 MiB tmpfs of its own): a push that does not fit is refused
 * as such, in /v2/'s error format with a 507 that skopeo reports; nothing half-written becomes visible; the log warns
 * without a stack trace; and since the failed bytes are released, a push that fits goes through and pulls back whole.
 */
class StorageFullIT {
    private static final long MIB = 1024 * 1024;
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** These tests fill the disk to its last byte, past storage.reserve_bytes (DiskReserveIT tests the reserve). */
    private static final Map<String, String> NO_RESERVE = Map.of("WHARF_STORAGE_RESERVE_BYTES", "0");

    @TempDir
    Path work;

    @Test
    void aPushThatDoesNotFitIsRefusedClearlyAndTheNodeKeepsWorking() throws Exception {
        Path bigLayout = work.resolve("big");
        OciLayouts.Image big = OciLayouts.image(bigLayout, "1", 11, 64 * MIB);
        Path smallLayout = work.resolve("small");
        OciLayouts.Image small = OciLayouts.image(smallLayout, "1", 12, 2 * MIB, 300_000);
        String bigLayer = big.blobs().get(1);

        try (WharfProcess wharf = WharfProcess.startOnSmallDisk(Files.createDirectory(work.resolve("data")), 48,
                NO_RESERVE)) {
            // skopeo, as a user would push: refused, and what it prints names the status.
            Skopeo.Result pushed = Skopeo.tryCopy(TIMEOUT, oci(bigLayout, "1"), docker(wharf, "full/big:1"));
            assertThat(pushed.ok()).isFalse();
            assertThat(pushed.stderr()).contains("507");

            // The same layer in one request: the body says why, in the OCI error format.
            byte[] layer = Files.readAllBytes(OciLayouts.blob(bigLayout, bigLayer));
            // With its token first: a client that sends 64 MiB only to be told 401 may find the connection closed
            // under its retry (Jetty drains no body that large), which is the test's problem, not the node's.
            RegistryHttp.Response whole = RegistryHttp.raw(wharf, "POST", "/v2/full/raw/blobs/uploads/?digest="
                    + bigLayer, layer, RegistryHttp.bearer(wharf, "full/raw", "pull,push"),
                    "Content-Type", "application/octet-stream");
            assertThat(whole.status()).as(whole.toString()).isEqualTo(507);
            assertThat(whole.errorCode()).isEqualTo("UNAVAILABLE");
            assertThat(whole.json().path("errors").path(0).path("message").asText())
                    .contains("storage is full").contains("no space left on device");

            // Nothing of either attempt is visible.
            assertThat(RegistryHttp.blobStatus(wharf, "full/big", bigLayer)).isEqualTo(404);
            assertThat(RegistryHttp.blobStatus(wharf, "full/raw", bigLayer)).isEqualTo(404);
            assertThat(RegistryHttp.manifestStatus(wharf, "full/big", "1")).isEqualTo(404);

            // The failed uploads gave their bytes back: an image that fits is stored and pulls back whole.
            Skopeo.copy(oci(smallLayout, "1"), docker(wharf, "full/small:1"));
            Path pulled = work.resolve("pulled");
            Skopeo.copy(docker(wharf, "full/small:1"), oci(pulled, "1"));
            assertThat(OciLayouts.differences(pulled, "1", smallLayout, small)).isEmpty();

            String log = Files.readString(wharf.logFile());
            assertThat(log).contains("refused: the registry's storage is full");
            assertThat(log).doesNotContain("ERROR").doesNotContain("\tat ");
        }
    }

    /**
     * A pull-through mirror on a full disk: a cold blob it cannot store is refused with the same 507 (a HEAD would
     * not tell: a mirror answers it from the upstream), the upstream is not blamed (no upstream error counted, the message names the disk), and once space
     * is freed the same pull is fetched, stored and served whole.
     */
    @Test
    void aMirrorThatCannotStoreAColdBlobSaysItsDiskIsFull() throws Exception {
        Path layout = work.resolve("upstream-image");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 13, 2 * MIB);
        String layer = image.blobs().get(1);
        try (DistributionProcess upstream = DistributionProcess.start(Files.createDirectory(work.resolve("upstream")));
                WharfProcess wharf = WharfProcess.startOnSmallDisk(Files.createDirectory(work.resolve("data")), 48,
                        Map.of("WHARF_MIRRORS_UPSTREAMS", "up=http://" + upstream.host(),
                                "WHARF_STORAGE_RESERVE_BYTES", "0"))) {
            Skopeo.copy(oci(layout, "1"), "docker://" + upstream.host() + "/lib/app:1");
            String pull = RegistryHttp.bearer(wharf, "up/lib/app", "pull");
            String push = RegistryHttp.bearer(wharf, "full/filler", "pull,push");

            // Fill the disk with an upload left open: append until the disk refuses (each refused append is cut
            // back), in ever smaller pieces, so that less than one of the mirror's 256 KiB batches is left.
            RegistryHttp.Response started = RegistryHttp.raw(wharf, "POST", "/v2/full/filler/blobs/uploads/", null,
                    push);
            assertThat(started.status()).as(started.toString()).isEqualTo(202);
            String session = started.header("Location").orElseThrow();
            for (int piece : new int[] {4 * 1024 * 1024, 256 * 1024, 16 * 1024}) {
                while (RegistryHttp.raw(wharf, "PATCH", session, new byte[piece], push,
                        "Content-Type", "application/octet-stream").status() == 202) {
                    session = RegistryHttp.raw(wharf, "GET", session, null, push).header("Location").orElse(session);
                }
            }

            RegistryHttp.Response refused = RegistryHttp.raw(wharf, "GET", "/v2/up/lib/app/blobs/" + layer, null,
                    pull);
            assertThat(refused.status()).as(refused.toString()).isEqualTo(507);
            assertThat(refused.json().path("errors").path(0).path("message").asText())
                    .contains("storage is full").doesNotContain("upstream");

            // Space back: the same blob comes through the mirror whole.
            assertThat(RegistryHttp.raw(wharf, "DELETE", session, null, push).status()).isEqualTo(204);
            RegistryHttp.Response served = RegistryHttp.raw(wharf, "GET", "/v2/up/lib/app/blobs/" + layer, null,
                    pull);
            assertThat(served.status()).as(served.toString()).isEqualTo(200);
            assertThat(served.body()).isEqualTo(Files.readAllBytes(OciLayouts.blob(layout, layer)));

            String log = Files.readString(wharf.logFile());
            assertThat(log).contains("not stored: the registry's storage is full");
            assertThat(log).doesNotContain("ERROR").doesNotContain("\tat ");
            String metrics = RegistryHttp.raw(wharf, "GET", "/metrics").text();
            assertThat(metrics.lines().filter(l -> l.startsWith("wharf_mirror_upstream_errors")
                    && !l.endsWith(" 0.0"))).as("no upstream error counted").isEmpty();
        }
    }
}
