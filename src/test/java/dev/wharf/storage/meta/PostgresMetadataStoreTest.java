package dev.wharf.storage.meta;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/** Runs the contract against PostgreSQL on 127.0.0.1:5432 in a schema of its own, dropped afterwards. */
class PostgresMetadataStoreTest extends ImageStoreContract {

    static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String USER = "postgres";
    static final String SCHEMA = "wharf_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @Override
    protected MetadataStore createStore() {
        Database database = Database.open(URL, USER, null, 4, SCHEMA);
        // One schema per class run (migrated once, validated after): each test starts from empty tables.
        database.jdbi().useHandle(h -> h.execute("TRUNCATE repositories, blobs, uploads RESTART IDENTITY CASCADE"));
        return new SqlMetadataStore(database);
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        try (Connection connection = DriverManager.getConnection(URL, USER, null);
                Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }
}
