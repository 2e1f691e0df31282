package dev.wharf.sources;

import dev.wharf.testing.PostgresSchema;

/** {@link JobListTest} on PostgreSQL at 127.0.0.1:5432 (the list queries are SQL), in a schema of its own. */
class PostgresJobListTest extends JobListTest {
    @Override
    PostgresSchema postgres() {
        return new PostgresSchema("wharf_jobs_");
    }
}
