package dev.wharf.sources;

import org.junit.jupiter.api.AfterAll;

/** {@link JobListTest} on PostgreSQL at 127.0.0.1:5432 (the list queries are SQL), in a schema of its own. */
class PostgresJobListTest extends JobListTest {
    private final PostgresSchema schema = new PostgresSchema("wharf_jobs_");

    @Override
    String[] databaseArgs() {
        return schema.serverArgs();
    }

    @Override
    @AfterAll
    void stop() {
        super.stop();
        schema.drop();
    }
}
