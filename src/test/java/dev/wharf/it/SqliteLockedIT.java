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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Another process (here this test, as an operator's {@code sqlite3} shell or a backup tool would) holds the
 * embedded database's write lock for longer than a node waits for it (10 s): the node's write is refused with a 503
 * that says the database is busy, not a 500 with a trace, reads go on meanwhile, and the same write succeeds once
 * the lock is gone.
 */
class SqliteLockedIT {
    @TempDir
    Path work;

    @Test
    void aWriteThatOutwaitsAnotherProcesssLockIsA503AndSucceedsAfterIt() throws Exception {
        Path layout = work.resolve("image");
        OciLayouts.image(layout, "1", 51, 256 * 1024, 50_000);
        Path data = Files.createDirectory(work.resolve("data"));
        try (WharfProcess wharf = WharfProcess.start(data)) {
            Skopeo.copy(oci(layout, "1"), docker(wharf, "admin/app:1"));
            String bearer = RegistryHttp.bearer(wharf, "admin/app", "pull,push");
            RegistryHttp.Response manifest = RegistryHttp.raw(wharf, "GET", "/v2/admin/app/manifests/1", null,
                    bearer, "Accept", "application/vnd.oci.image.manifest.v1+json");
            assertThat(manifest.status()).isEqualTo(200);
            String type = manifest.header("Content-Type").orElseThrow();

            try (Connection holder = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("wharf.db"))) {
                holder.setAutoCommit(false);
                try (Statement s = holder.createStatement()) {
                    // Any write takes the lock; this one changes nothing the node reads.
                    s.execute("CREATE TABLE IF NOT EXISTS held_by_it (x INTEGER)");
                }
                RegistryHttp.Response refused = RegistryHttp.raw(wharf, "PUT", "/v2/admin/app/manifests/2",
                        manifest.body(), bearer, "Content-Type", type);
                assertThat(refused.status()).as(refused.toString()).isEqualTo(503);
                assertThat(refused.errorCode()).isEqualTo("UNAVAILABLE");
                assertThat(refused.json().path("errors").path(0).path("message").asText())
                        .contains("metadata database is busy").contains("retry later");
                // Reads do not wait for a writer (WAL).
                assertThat(RegistryHttp.raw(wharf, "GET", "/v2/admin/app/manifests/1", null, bearer,
                        "Accept", type).status()).isEqualTo(200);
                holder.rollback();
            }

            RegistryHttp.Response stored = RegistryHttp.raw(wharf, "PUT", "/v2/admin/app/manifests/2",
                    manifest.body(), bearer, "Content-Type", type);
            assertThat(stored.status()).as(stored.toString()).isEqualTo(201);
            String log = Files.readString(wharf.logFile());
            assertThat(log).contains("refused: the metadata database is busy");
            assertThat(log).doesNotContain("unexpected failure on");
        }
    }
}
