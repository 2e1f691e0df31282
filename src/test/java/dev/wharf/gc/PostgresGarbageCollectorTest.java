package dev.wharf.gc;

import dev.wharf.storage.meta.Database;
import dev.wharf.testing.PostgresSchema;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The rules on PostgreSQL (127.0.0.1:5432, a schema of this run, dropped afterwards). */
class PostgresGarbageCollectorTest extends GarbageCollectorContract {
    @RegisterExtension
    static final PostgresSchema SCHEMA = new PostgresSchema("wharf_gc_");

    @Override
    protected Database openDatabase() {
        return openFresh();
    }

    static Database openFresh() {
        return SCHEMA.open(8, "TRUNCATE repositories, blobs, uploads, gc_blob_queue, gc_passes"
                + " RESTART IDENTITY CASCADE");
    }
}
