package dev.wharf.sources;

import org.junit.jupiter.api.AfterAll;

/** {@link SourceListQueriesTest} on PostgreSQL at 127.0.0.1:5432 (the list queries are SQL), in a schema of its own. */
class PostgresSourceListQueriesTest extends SourceListQueriesTest {
    private final PostgresSchema schema = new PostgresSchema("wharf_srcq_");

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
