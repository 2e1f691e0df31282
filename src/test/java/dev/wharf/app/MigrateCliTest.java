package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks migrate makes before it touches either side; none of these reach a database or a bucket. */
class MigrateCliTest {
    @TempDir
    Path dir;

    private static final List<String> S3_TARGET = List.of("--to-db-url", "jdbc:postgresql://127.0.0.1:1/none",
            "--to-storage-driver", "s3", "--to-storage-s3-bucket", "wharf-none");

    private MigrateCli.Summary migrate(List<String> args) {
        return new MigrateCli(new PrintStream(new ByteArrayOutputStream()), Map.of()).migrate(args);
    }

    private List<String> from(List<String> target) {
        List<String> args = new ArrayList<>(List.of("--from-data-dir", dir.toString()));
        args.addAll(target);
        return args;
    }

    @Test
    void needsTheSourceDataDir() {
        assertThatThrownBy(() -> migrate(S3_TARGET)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--from-data-dir");
    }

    @Test
    void takesOnlySidedFlags() {
        assertThatThrownBy(() -> migrate(List.of("--from-data-dir", dir.toString(), "--db-url", "x")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("--from-<setting>");
    }

    @Test
    void refusesASqliteTarget() {
        assertThatThrownBy(() -> migrate(from(List.of("--to-db-url", "jdbc:sqlite:" + dir.resolve("t.db"),
                "--to-storage-driver", "s3", "--to-storage-s3-bucket", "wharf-none"))))
                .isInstanceOf(MigrateException.class).hasMessageContaining("must be PostgreSQL");
    }

    @Test
    void refusesToCopyBlobsIntoItsScratchDirectory() {
        assertThatThrownBy(() -> migrate(from(List.of("--to-db-url", "jdbc:postgresql://127.0.0.1:1/none"))))
                .isInstanceOf(MigrateException.class).hasMessageContaining("no target blob store given");
    }

    @Test
    void refusesASourceThatIsStillRunning() throws Exception {
        Files.writeString(dir.resolve("wharf.db"), "");
        Files.writeString(dir.resolve("wharf.db-wal"), "");
        assertThatThrownBy(() -> migrate(from(S3_TARGET)))
                .isInstanceOf(MigrateException.class).hasMessageContaining("still running");
    }

    @Test
    void refusesAMissingSourceDatabase() {
        assertThatThrownBy(() -> migrate(from(S3_TARGET)))
                .isInstanceOf(MigrateException.class).hasMessageContaining("no SQLite database at");
    }
}
