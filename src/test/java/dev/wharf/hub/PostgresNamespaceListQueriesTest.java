package dev.wharf.hub;

import dev.wharf.sources.PostgresSchema;
import org.junit.jupiter.api.AfterAll;

/** {@link NamespaceListQueriesTest} on PostgreSQL at 127.0.0.1:5432, in a schema of its own. */
class PostgresNamespaceListQueriesTest extends NamespaceListQueriesTest {
    private final PostgresSchema schema = new PostgresSchema("wharf_nsq_");

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
