package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

    @TempDir
    Path work;

    @Test
    void aPushThatDoesNotFitIsRefusedClearlyAndTheNodeKeepsWorking() throws Exception {
        Path bigLayout = work.resolve("big");
        OciLayouts.Image big = OciLayouts.image(bigLayout, "1", 11, 64 * MIB);
        Path smallLayout = work.resolve("small");
        OciLayouts.Image small = OciLayouts.image(smallLayout, "1", 12, 2 * MIB, 300_000);
        String bigLayer = big.blobs().get(1);

        try (WharfProcess wharf = WharfProcess.startOnSmallDisk(Files.createDirectory(work.resolve("data")), 48)) {
            // skopeo, as a user would push: refused, and what it prints names the status.
            Skopeo.Result pushed = Skopeo.tryCopy(TIMEOUT, oci(bigLayout, "1"), docker(wharf, "full/big:1"));
            assertThat(pushed.ok()).isFalse();
            assertThat(pushed.stderr()).contains("507");

            // The same layer in one request: the body says why, in the OCI error format.
            byte[] layer = Files.readAllBytes(OciLayouts.blob(bigLayout, bigLayer));
            RegistryHttp.Response whole = RegistryHttp.asAdmin(wharf).send(wharf, "POST",
                    "/v2/full/raw/blobs/uploads/?digest=" + bigLayer, layer, "Content-Type", "application/octet-stream");
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
}
