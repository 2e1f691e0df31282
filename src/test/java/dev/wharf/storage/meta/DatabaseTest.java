package dev.wharf.storage.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.testing.PostgresSchema;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {

    @TempDir
    Path dir;

    @Test
    void unsupportedSchemeIsNamedWithoutTheRestOfTheUrl() {
        assertThatThrownBy(() -> Database.open("jdbc:mysql://db/wharf?password=hunter2", "u", "p", 2, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'jdbc:mysql'")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> Database.open("postgres://db/wharf", "u", "p", 2, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'postgres'");
    }

    @Test
    void inMemorySqliteIsRefused() {
        assertThatThrownBy(() -> Database.open("jdbc:sqlite::memory:", null, null, 2, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in-memory");
    }

    @Test
    void migrationsAreIdempotentAcrossOpens() {
        String url = "jdbc:sqlite:" + dir.resolve("nested/dir/meta.db");
        int appliedFirst;
        try (Database database = Database.open(url, null, null, 2, null);
                var store = new SqlMetadataStore(database)) {
            store.ensureRepository("library/alpine", Instant.EPOCH);
            appliedFirst = appliedMigrations(database);
        }
        try (Database database = Database.open(url, null, null, 2, null);
                var store = new SqlMetadataStore(database)) {
            assertThat(store.findRepository("library/alpine")).isPresent();
            // Every migration ran on the first open and none again on the second.
            assertThat(appliedFirst).isPositive();
            assertThat(appliedMigrations(database)).isEqualTo(appliedFirst);
        }
    }

    private static int appliedMigrations(Database database) {
        return database.jdbi().withHandle(h -> h.createQuery(
                "SELECT count(*) FROM flyway_schema_history WHERE success = 1").mapTo(Integer.class).one());
    }

    @Test
    void sqliteConnectionsAreConfiguredForConcurrency() {
        try (Database database = Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 2, null)) {
            assertThat(database.dialect()).isEqualTo(Database.Dialect.SQLITE);
            database.jdbi().useHandle(h -> {
                assertThat(h.createQuery("PRAGMA journal_mode").mapTo(String.class).one()).isEqualToIgnoringCase("wal");
                assertThat(h.createQuery("PRAGMA foreign_keys").mapTo(Integer.class).one()).isEqualTo(1);
                assertThat(h.createQuery("PRAGMA busy_timeout").mapTo(Integer.class).one()).isGreaterThanOrEqualTo(5000);
                assertThat(h.createQuery("PRAGMA synchronous").mapTo(Integer.class).one()).isEqualTo(1); // NORMAL
            });
        }
    }

    /**
     * Another process holds the file's write lock past the busy timeout while three writers of this process queue for
     * it. The first waits the timeout out in SQLite and fails busy; the two queued behind it fail with it, as busy,
     * instead of each waiting the whole timeout again in turn (a request behind two writers answered after 30 s,
     * past its client's patience: SqliteLockedIT once timed out so in CI). A writer that comes later tries again,
     * and succeeds once the lock is gone.
     */
    @Test
    void writersQueuedBehindAWriteThatFoundTheFileLockedFailWithIt() throws Exception {
        Path file = dir.resolve("meta.db");
        try (Database database = Database.open("jdbc:sqlite:" + file, null, null, 4, null);
                var store = new SqlMetadataStore(database);
                java.sql.Connection holder = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                // Threads of their own: the common pool may run one task at a time on two cores.
                var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            holder.setAutoCommit(false);
            try (var s = holder.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS held_by_test (x INTEGER)"); // takes the write lock
            }
            java.util.List<CompletableFuture<Throwable>> writers = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String name = "w" + i;
                writers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        store.ensureRepository(name, Instant.EPOCH);
                        return null;
                    } catch (RuntimeException e) {
                        return e;
                    }
                }, threads));
                // Queue them in order: the next starts once this one holds (or waits for) the node's write lock.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (database.queuedWriters() < i + 1 && System.nanoTime() < deadline) Thread.sleep(5);
                assertThat(database.queuedWriters()).isEqualTo(i + 1);
            }
            java.util.List<Throwable> failures = new java.util.ArrayList<>();
            for (CompletableFuture<Throwable> w : writers) failures.add(w.get(60, TimeUnit.SECONDS));
            assertThat(failures).allSatisfy(f -> assertThat(dev.wharf.storage.StorageFailure.diagnose(f))
                    .hasValueSatisfying(d -> assertThat(d.message()).contains("metadata database is busy")));
            assertThat(failures.stream().filter(DatabaseTest::sqliteBusy)).as("writers that waited in SQLite").hasSize(1);

            holder.rollback();
            store.ensureRepository("after", Instant.EPOCH);
            assertThat(store.listRepositories(null, 10)).containsExactly("after");
        }
    }

    /** Whether SQLite itself reported the lock (the writer waited out its busy handler). */
    private static boolean sqliteBusy(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException && String.valueOf(t.getMessage()).contains("SQLITE_BUSY")) return true;
        }
        return false;
    }

    @Test
    void sqliteReadsProceedWhileAWriteTransactionIsOpen() throws Exception {
        try (Database database = Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 3, null);
                var store = new SqlMetadataStore(database)) {
            store.ensureRepository("before", Instant.EPOCH);
            CountDownLatch writing = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Boolean> writer = CompletableFuture.supplyAsync(() -> database.inWriteTransaction(h -> {
                h.execute("INSERT INTO repositories (name, created_at) VALUES ('during', 0)");
                writing.countDown();
                return awaitQuietly(release);
            }));
            try {
                assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
                // Served from another connection at the last committed state, without waiting for the writer.
                assertThat(store.listRepositories(null, 10)).containsExactly("before");
            } finally {
                release.countDown();
            }
            writer.get(10, TimeUnit.SECONDS);
            assertThat(store.listRepositories(null, 10)).containsExactly("before", "during");
        }
    }

    @Test
    void sqliteQueryOneKeepsItsStatementsWithoutHoldingASnapshot() throws Exception {
        String sql = "SELECT created_at FROM repositories WHERE name = ?";
        try (Database database = Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 2, null);
                var store = new SqlMetadataStore(database)) {
            store.ensureRepository("a", Instant.ofEpochMilli(1));
            store.ensureRepository("b", Instant.ofEpochMilli(2));
            for (int i = 0; i < 20; i++) {
                assertThat(createdAt(database, sql, "a")).contains(1L);
                assertThat(createdAt(database, sql, "b")).contains(2L);
                assertThat(createdAt(database, sql, "missing")).isEmpty();
            }
            // A kept statement is reset after each use: it holds no read snapshot, so it sees later writes, and a
            // checkpoint can copy the whole WAL back into the database.
            store.ensureRepository("c", Instant.ofEpochMilli(3));
            assertThat(createdAt(database, sql, "c")).contains(3L);
            int busy = database.jdbi().withHandle(h -> h.createQuery("PRAGMA wal_checkpoint(TRUNCATE)")
                    .mapTo(Integer.class).first());
            assertThat(busy).as("checkpoint busy").isZero();
            // A failed use forgets the statement; the next use prepares it again.
            assertThatThrownBy(() -> database.queryOne(sql, s -> {
                throw new java.sql.SQLException("binding failed");
            }, (rows, ctx) -> rows.getLong(1))).isInstanceOf(org.jdbi.v3.core.ConnectionException.class);
            assertThatThrownBy(() -> database.queryOne(sql, s -> s.setString(2, "no such parameter"),
                    (rows, ctx) -> rows.getLong(1))).isInstanceOf(RuntimeException.class);
            assertThat(createdAt(database, sql, "b")).contains(2L);
            assertThat(database.connectionsWithKeptStatements()).isBetween(1, 2);
        }
    }

    private static java.util.Optional<Long> createdAt(Database database, String sql, String name) {
        return database.queryOne(sql, s -> s.setString(1, name), (rows, ctx) -> rows.getLong(1));
    }

    @Test
    void postgresSchemaIsCreatedAndUsed() throws Exception {
        PostgresSchema schema = new PostgresSchema("wharf_db_");
        try (Database database = schema.open(2, null)) {
            assertThat(database.dialect()).isEqualTo(Database.Dialect.POSTGRESQL);
            String current = database.jdbi().withHandle(h ->
                    h.createQuery("SELECT current_schema()").mapTo(String.class).one());
            assertThat(current).isEqualTo(schema.name());
        } finally {
            schema.drop();
        }
        assertThatThrownBy(() -> Database.open(PostgresSchema.URL, PostgresSchema.USER, null, 2, "Bad;Name"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("schema");
    }

    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
