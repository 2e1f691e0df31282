package dev.wharf.sources;

import dev.wharf.testing.PostgresSchema;

/** {@link ImportSecurityTest} on PostgreSQL (blob links and mounts are SQL), in a schema of its own. */
class PostgresImportSecurityTest extends ImportSecurityTest {
    @Override
    PostgresSchema postgres() {
        return new PostgresSchema("wharf_importsec_");
    }
}
