package dev.wharf.jobs;

import dev.wharf.storage.meta.Database;
import dev.wharf.testing.PostgresSchema;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link JobStoreTest} on PostgreSQL at 127.0.0.1:5432, in a schema of its own that is dropped afterwards. */
class PostgresJobStoreTest extends JobStoreTest {
    @RegisterExtension
    static final PostgresSchema SCHEMA = new PostgresSchema("wharf_jobs_");

    @Override
    protected Database openDatabase() {
        return SCHEMA.open(2, "TRUNCATE jobs");
    }
}
