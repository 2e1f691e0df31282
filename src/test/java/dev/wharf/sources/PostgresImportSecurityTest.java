package dev.wharf.sources;

import org.junit.jupiter.api.AfterAll;

/** {@link ImportSecurityTest} on PostgreSQL (blob links and mounts are SQL), in a schema of its own. */
class PostgresImportSecurityTest extends ImportSecurityTest {
    private final PostgresSchema schema = new PostgresSchema("wharf_importsec_");

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
