package dev.wharf.gc;

import dev.wharf.storage.meta.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/** The rules on PostgreSQL (127.0.0.1:5432, a schema of this run, dropped afterwards). */
class PostgresGarbageCollectorTest extends GarbageCollectorContract {
    static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String USER = "postgres";
    static final String SCHEMA = "wharf_gc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @Override
    protected Database openDatabase() {
        return openFresh();
    }

    static Database openFresh() {
        Database database = Database.open(URL, USER, null, 8, SCHEMA);
        database.jdbi().useHandle(h -> h.execute(
                "TRUNCATE repositories, blobs, uploads, gc_blob_queue, gc_passes RESTART IDENTITY CASCADE"));
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
