package dev.wharf.quota;

import dev.wharf.storage.meta.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/** On PostgreSQL (127.0.0.1:5432), in a schema of this run, dropped afterwards. */
class PostgresQuotaTest extends QuotaContract {
    static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String USER = "postgres";
    static final String SCHEMA = "wharf_quota_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @Override
    protected Database openDatabase() {
        Database database = Database.open(URL, USER, null, 8, SCHEMA);
        // TRUNCATE fires no row triggers: empty the maintained table with the rest.
        database.jdbi().useHandle(h -> h.execute("TRUNCATE repositories, blobs, uploads, gc_blob_queue, gc_passes,"
                + " namespace_blobs, namespace_usage, namespace_usage_changes, namespace_quotas, audit_events"
                + " RESTART IDENTITY CASCADE"));
        return database;
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        try (Connection connection = DriverManager.getConnection(URL, USER, null);
                Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }
}
