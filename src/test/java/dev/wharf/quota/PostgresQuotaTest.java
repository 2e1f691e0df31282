package dev.wharf.quota;

import dev.wharf.storage.meta.Database;
import dev.wharf.testing.PostgresSchema;
import org.junit.jupiter.api.extension.RegisterExtension;

/** On PostgreSQL (127.0.0.1:5432), in a schema of this run, dropped afterwards. */
class PostgresQuotaTest extends QuotaContract {
    @RegisterExtension
    static final PostgresSchema SCHEMA = new PostgresSchema("wharf_quota_");

    @Override
    protected Database openDatabase() {
        // TRUNCATE fires no row triggers: empty the maintained table with the rest.
        return SCHEMA.open(8, "TRUNCATE repositories, blobs, uploads, gc_blob_queue, gc_passes,"
                + " namespace_blobs, namespace_usage, namespace_usage_changes, namespace_quotas, audit_events"
                + " RESTART IDENTITY CASCADE");
    }
}
