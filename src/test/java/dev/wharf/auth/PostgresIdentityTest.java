package dev.wharf.auth;

import dev.wharf.storage.meta.Database;
import dev.wharf.testing.PostgresSchema;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Runs the contract against PostgreSQL on 127.0.0.1:5432 in a schema of its own, dropped afterwards. */
class PostgresIdentityTest extends IdentityContract {
    @RegisterExtension
    static final PostgresSchema SCHEMA = new PostgresSchema("wharf_auth_");

    @Override
    protected Database openDatabase() {
        // Migrated once per class run; each test starts from empty identity tables.
        return SCHEMA.open(4, "TRUNCATE namespaces, users, organizations, repository_settings, repositories"
                + " RESTART IDENTITY CASCADE");
    }
}
