package dev.wharf.auth.token;

import dev.wharf.storage.meta.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;

/** The contract on PostgreSQL on 127.0.0.1:5432, in a schema of its own, dropped afterwards. */
class PostgresSessionRevocationTest extends SessionRevocationContract {
    static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String USER = "postgres";
    static final String SCHEMA = "wharf_sessions_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @Override
    protected Database openDatabase() {
        Database database = Database.open(URL, USER, null, 4, SCHEMA);
        database.jdbi().useHandle(h -> h.execute("TRUNCATE namespaces, users RESTART IDENTITY CASCADE"));
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
