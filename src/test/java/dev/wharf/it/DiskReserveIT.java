package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
 * storage.reserve_bytes on a real file system that fills up: pushes stop short of the last bytes with the full
 * disk's 507, naming the reserve, and the room left lets the administrator do what frees space through Wharf itself
 * (sign in to the Hub API, delete a repository, run GC), after which pushes work again. Without the reserve, a disk
 * filled by pushes answered the administrator's sign-in with 507 in a lab run: the database had no room left either.
 */
class DiskReserveIT {
    private static final long MIB = 1024 * 1024;
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    Path work;

    @Test
    void pushesStopAtTheReserveAndTheAdministratorCanStillMakeRoom() throws Exception {
        // The default graces (24 h): room comes from one pass with a shorter blob grace, as an operator would run it.
        Map<String, String> env = Map.of("WHARF_STORAGE_RESERVE_BYTES", String.valueOf(16 * MIB));
        try (WharfProcess wharf = WharfProcess.startOnSmallDisk(Files.createDirectory(work.resolve("data")), 48,
                env)) {
            // 4 MiB images until one is refused: 48 MiB less the database, the reserve and what the node keeps.
            int stored = 0;
            Skopeo.Result refused = null;
            for (int i = 0; i < 12 && refused == null; i++) {
                Path layout = work.resolve("image-" + i);
                OciLayouts.image(layout, "1", 100 + i, 4 * MIB);
                Skopeo.Result pushed = Skopeo.tryCopy(TIMEOUT, oci(layout, "1"), docker(wharf, "admin/app" + i + ":1"),
                        "--preserve-digests");
                if (pushed.ok()) {
                    stored++;
                } else {
                    refused = pushed;
                }
            }
            assertThat(refused).as("a push is refused before the disk is full").isNotNull();
            assertThat(refused.stderr()).contains("507");
            assertThat(stored).as("pushes stored before the reserve").isGreaterThanOrEqualTo(2);

            // What a client that reads the error body is told. The refused push's bytes were given back, so less
            // than one of its layers is left above the reserve: an 8 MiB chunk crosses the line.
            String push = RegistryHttp.bearer(wharf, "admin/probe", "pull,push");
            RegistryHttp.Response started = RegistryHttp.raw(wharf, "POST", "/v2/admin/probe/blobs/uploads/", null,
                    push);
            assertThat(started.status()).as(started.toString()).isEqualTo(202);
            RegistryHttp.Response append = RegistryHttp.raw(wharf, "PATCH", started.header("Location").orElseThrow(),
                    new byte[(int) (8 * MIB)], push, "Content-Type", "application/octet-stream");
            assertThat(append.status()).as(append.toString()).isEqualTo(507);
            assertThat(append.json().path("errors").path(0).path("message").asText())
                    .contains("storage is full").contains("kept for the database (storage.reserve_bytes)");

            // The database still has room: the administrator signs in, deletes a repository and collects.
            String session = RegistryHttp.hubSession(wharf);
            RegistryHttp.Response deleted = RegistryHttp.raw(wharf, "DELETE", "/v2/repositories/admin/app0/", null,
                    "Bearer " + session);
            assertThat(deleted.status()).as(deleted.toString()).isBetween(200, 204);
            assertThat(adminGc(wharf, "").path("bytes_reclaimed").asLong())
                    .as("the configured grace keeps a just-deleted image's blobs for a day").isZero();
            JsonNode now = adminGc(wharf, "?blob_grace=0s");
            assertThat(now.path("blob_grace_seconds").asLong()).isZero();
            assertThat(now.path("bytes_reclaimed").asLong()).as("bytes GC gave back").isGreaterThanOrEqualTo(4 * MIB);

            // Room again: the refused image goes in and comes back whole.
            Path retry = work.resolve("image-retry");
            OciLayouts.Image image = OciLayouts.image(retry, "1", 999, 4 * MIB);
            Skopeo.copy(oci(retry, "1"), docker(wharf, "admin/again:1"), "--preserve-digests");
            assertThat(OciLayouts.pulledBackDifferences(wharf, "admin/again:1", work.resolve("pulled"), retry, image))
                    .isEmpty();

            String log = Files.readString(wharf.logFile());
            assertThat(log).contains("kept for the database");
            assertThat(log).doesNotContain(" ERROR ").doesNotContain("\tat ");
        }
    }

    private static JsonNode adminGc(WharfProcess wharf, String query) {
        RegistryHttp.Response r = RegistryHttp.raw(wharf, "POST", "/admin/gc" + query, new byte[0],
                "Basic " + WharfProcess.ADMIN.basic());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }
}
