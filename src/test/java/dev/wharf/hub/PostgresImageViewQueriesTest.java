package dev.wharf.hub;

import dev.wharf.sources.PostgresSchema;
import org.junit.jupiter.api.AfterAll;

/** {@link ImageViewQueriesTest} on PostgreSQL at 127.0.0.1:5432, in a schema of its own. */
class PostgresImageViewQueriesTest extends ImageViewQueriesTest {
    private final PostgresSchema schema = new PostgresSchema("wharf_imgq_");

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
