package dev.wharf.testing;

import dev.wharf.storage.meta.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A PostgreSQL schema of a test's own at 127.0.0.1:5432 (trust auth, database {@code test}), dropped afterwards.
 * The Postgres variants of the store contracts open it once per test ({@link #open}, migrated on first use) and
 * drop it after the class; server tests pass {@link #serverArgs()} to the node. As a
 * {@code @RegisterExtension static} field it drops itself after the test class.
 */
public final class PostgresSchema implements AfterAllCallback {
    public static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    public static final String USER = "postgres";
    private final String name;

    public PostgresSchema(String prefix) {
        name = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    public String name() {
        return name;
    }

    /** Whether PostgreSQL answers at {@link #URL} (tests that need it are skipped otherwise). */
    public static boolean available() {
        DriverManager.setLoginTimeout(5);
        try (Connection connection = DriverManager.getConnection(URL, USER, null);
                Statement statement = connection.createStatement()) {
            return statement.execute("SELECT 1");
        } catch (SQLException e) {
            return false;
        }
    }

    /** Flags that start a Wharf server on this schema (created by its migrations). */
    public String[] serverArgs() {
        return new String[] {"--db-url", URL, "--db-user", USER, "--db-schema", name};
    }

    /**
     * Opens (and on first use migrates) the schema, then runs {@code truncate} so that each test starts from empty
     * tables: the schema is shared by the class's tests.
     */
    public Database open(int poolSize, String truncate) {
        Database database = Database.open(URL, USER, null, poolSize, name);
        if (truncate != null) database.jdbi().useHandle(h -> h.execute(truncate));
        return database;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        drop();
    }

    public void drop() {
        try (Connection connection = DriverManager.getConnection(URL, USER, null);
                Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop schema " + name, e);
        }
    }
}
