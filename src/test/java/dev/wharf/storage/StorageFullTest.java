package dev.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Which failures count as a full disk, however deep they are wrapped, and which do not. */
class StorageFullTest {
    @Test
    void aFullDiskOrQuotaIsRecognisedThroughWrappers() {
        assertThat(StorageFull.describe(new IOException("No space left on device")))
                .hasValueSatisfying(m -> assertThat(m).contains("storage is full").contains("no space left on device")
                        .contains("not stored"));
        assertThat(StorageFull.describe(new UncheckedIOException(
                new FileSystemException("/data/uploads/x/data", null, "No space left on device"))))
                .hasValueSatisfying(m -> assertThat(m).contains("no space left on device"));
        assertThat(StorageFull.describe(new RuntimeException("outer", new IOException("Disk quota exceeded"))))
                .hasValueSatisfying(m -> assertThat(m).contains("disk quota exceeded"));
    }

    @Test
    void aFullDatabaseIsRecognisedOnBothDialects() {
        // sqlite-jdbc's message for SQLITE_FULL; PostgreSQL's SQLSTATE disk_full.
        SQLException sqlite = new SQLException(
                "[SQLITE_FULL] Insertion failed because database is full (database or disk is full)");
        assertThat(StorageFull.describe(new IllegalStateException("statement failed", sqlite)))
                .hasValueSatisfying(m -> assertThat(m).contains("database's disk is full"));
        assertThat(StorageFull.describe(new SQLException("could not extend file", "53100")))
                .hasValueSatisfying(m -> assertThat(m).contains("database's disk is full"));
    }

    @Test
    void otherFailuresAreNot() {
        assertThat(StorageFull.describe(new IOException("Broken pipe"))).isEmpty();
        assertThat(StorageFull.describe(new IOException((String) null))).isEmpty();
        assertThat(StorageFull.describe(new SQLException("[SQLITE_BUSY] The database file is locked", "08000")))
                .isEmpty();
        assertThat(StorageFull.describe(new IllegalStateException("No space left on device"))).isEmpty(); // not I/O
        assertThat(StorageFull.describe(new RuntimeException())).isEmpty();
    }
}
