package dev.wharf.auth.token;

import dev.wharf.storage.meta.Database;
import dev.wharf.testing.PostgresSchema;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contract on PostgreSQL on 127.0.0.1:5432, in a schema of its own, dropped afterwards. */
class PostgresSessionRevocationTest extends SessionRevocationContract {
    @RegisterExtension
    static final PostgresSchema SCHEMA = new PostgresSchema("wharf_sessions_");

    @Override
    protected Database openDatabase() {
        return SCHEMA.open(4, "TRUNCATE namespaces, users RESTART IDENTITY CASCADE");
    }
}
