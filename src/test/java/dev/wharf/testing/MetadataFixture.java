package dev.wharf.testing;

import dev.wharf.storage.blob.InMemoryBlobStore;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The stores the registry-side contracts (collection, quotas) run on: a migrated database with empty tables
 * per test (subclasses say which), its metadata store, blob bytes in memory, and a clock the test moves.
 * Subclasses' own {@code @BeforeEach} methods run after the stores are open, their {@code @AfterEach} before
 * they close.
 */
public abstract class MetadataFixture {
    protected Database database;
    protected SqlMetadataStore meta;
    protected final InMemoryBlobStore blobs = new InMemoryBlobStore();
    protected final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    /** A migrated database with empty tables. */
    protected abstract Database openDatabase();

    @BeforeEach
    protected final void openStores() {
        database = openDatabase();
        meta = new SqlMetadataStore(database);
    }

    @AfterEach
    protected final void closeStores() {
        meta.close();
    }
}
