package dev.wharf.mirror;

import dev.wharf.testing.PostgresSchema;
import dev.wharf.storage.meta.Database;
import org.junit.jupiter.api.AfterEach;

/** {@link MirrorAdminTest} on PostgreSQL 127.0.0.1:5432, in a schema of its own. */
class PostgresMirrorAdminTest extends MirrorAdminTest {
    private final PostgresSchema schema = new PostgresSchema("mirrors_");

    @Override
    protected Database openDatabase() {
        return Database.open(PostgresSchema.URL, PostgresSchema.USER, null, 4, schema.serverArgs()[5]);
    }

    @AfterEach
    void dropSchema() {
        schema.drop();
    }
}
