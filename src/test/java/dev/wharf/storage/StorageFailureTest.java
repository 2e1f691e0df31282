package dev.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Which failures count as a full disk or an unreachable store, however deep they are wrapped, and which do not. */
class StorageFailureTest {
    @Test
    void aFullDiskOrQuotaIsRecognisedThroughWrappers() {
        assertThat(message(new IOException("No space left on device")))
                .hasValueSatisfying(m -> assertThat(m).contains("storage is full").contains("no space left on device")
                        .contains("not stored"));
        assertThat(message(new UncheckedIOException(
                new FileSystemException("/data/uploads/x/data", null, "No space left on device"))))
                .hasValueSatisfying(m -> assertThat(m).contains("no space left on device"));
        assertThat(message(new RuntimeException("outer", new IOException("Disk quota exceeded"))))
                .hasValueSatisfying(m -> assertThat(m).contains("disk quota exceeded"));
        assertThat(StorageFailure.isFull(new UncheckedIOException(new IOException("No space left on device"))))
                .isTrue();
    }

    @Test
    void aFullDatabaseIsRecognisedOnBothDialects() {
        // sqlite-jdbc's message for SQLITE_FULL; PostgreSQL's SQLSTATE disk_full.
        SQLException sqlite = new SQLException(
                "[SQLITE_FULL] Insertion failed because database is full (database or disk is full)");
        assertThat(message(new IllegalStateException("statement failed", sqlite)))
                .hasValueSatisfying(m -> assertThat(m).contains("database's disk is full"));
        assertThat(message(new SQLException("could not extend file", "53100")))
                .hasValueSatisfying(m -> assertThat(m).contains("database's disk is full"));
    }

    @Test
    void anUnreachableDatabaseOrS3EndpointIsRecognised() {
        // HikariCP's answer when no connection comes within db.pool_timeout; PostgreSQL's connection failures.
        assertThat(StorageFailure.diagnose(new IllegalStateException(new SQLTransientConnectionException(
                "wharf-metadata - Connection is not available, request timed out after 2001ms"))))
                .hasValueSatisfying(d -> {
                    assertThat(d.kind()).isEqualTo(StorageFailure.Kind.UNREACHABLE);
                    assertThat(d.kind().status()).isEqualTo(503);
                    assertThat(d.message()).contains("metadata database is unreachable").contains("retry later");
                });
        assertThat(message(new SQLException("An I/O error occurred while sending to the backend.", "08006")))
                .hasValueSatisfying(m -> assertThat(m).contains("metadata database is unreachable"));
        assertThat(message(new SQLException("terminating connection due to administrator command", "57P01")))
                .hasValueSatisfying(m -> assertThat(m).contains("metadata database is unreachable"));
        assertThat(message(new IOException("S3 GET failed", SdkClientException.create("Unable to execute HTTP request",
                new ConnectException("Connection refused")))))
                .hasValueSatisfying(m -> assertThat(m).contains("S3 endpoint is unreachable"));
        assertThat(message(SdkClientException.create("Unable to load credentials"))).isEmpty(); // not the network
        // Unreachable is no full disk: a mirror relays only for the latter.
        assertThat(StorageFailure.isFull(new SQLException("could not connect", "08006"))).isFalse();
        assertThat(StorageFailure.isFull(new IOException("connection reset"))).isFalse();
    }

    @Test
    void aSqliteFileLockedByAnotherProcessPastTheWaitIsBusyNotABug(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        // Real SQLite: one connection holds the write lock, the other gives up after its busy timeout.
        String url = "jdbc:sqlite:" + dir.resolve("locked.db");
        try (java.sql.Connection holder = java.sql.DriverManager.getConnection(url);
                java.sql.Connection writer = java.sql.DriverManager.getConnection(url)) {
            execute(holder, "PRAGMA journal_mode=WAL");
            execute(holder, "CREATE TABLE t (x INTEGER)");
            holder.setAutoCommit(false);
            execute(holder, "INSERT INTO t VALUES (1)"); // holds the write lock until commit
            execute(writer, "PRAGMA busy_timeout=100");
            SQLException busy = null;
            try {
                execute(writer, "INSERT INTO t VALUES (2)");
            } catch (SQLException e) {
                busy = e;
            }
            assertThat((Object) busy).as("the second writer waited and gave up").isNotNull();
            assertThat(StorageFailure.diagnose(new IllegalStateException("insert failed", busy)))
                    .hasValueSatisfying(d -> {
                        assertThat(d.kind()).isEqualTo(StorageFailure.Kind.UNREACHABLE);
                        assertThat(d.message()).contains("metadata database is busy").contains("retry later");
                    });
        }
    }

    private static void execute(java.sql.Connection c, String sql) throws SQLException {
        try (java.sql.Statement statement = c.createStatement()) {
            statement.execute(sql);
        }
    }

    @Test
    void aFullDiskIsA507() {
        assertThat(StorageFailure.diagnose(new IOException("No space left on device")).orElseThrow().kind().status())
                .isEqualTo(507);
    }

    @Test
    void otherFailuresAreNot() {
        assertThat(message(new IOException("Broken pipe"))).isEmpty();
        assertThat(message(new IOException((String) null))).isEmpty();
        // Busy for a reason of our own making (a statement left open), not another process's lock: a bug.
        assertThat(message(new SQLException("[SQLITE_BUSY] The database file is locked (cannot commit transaction - "
                + "SQL statements in progress)"))).isEmpty();
        assertThat(message(new SQLException("[SQLITE_LOCKED] A table in the database is locked"))).isEmpty();
        assertThat(message(new SQLException("duplicate key value violates unique constraint", "23505"))).isEmpty();
        assertThat(message(new IllegalStateException("No space left on device"))).isEmpty(); // not I/O
        assertThat(message(new RuntimeException())).isEmpty();
    }

    private static java.util.Optional<String> message(Throwable failure) {
        return StorageFailure.diagnose(failure).map(StorageFailure.Diagnosis::message);
    }
}
