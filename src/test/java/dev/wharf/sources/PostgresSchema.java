package dev.wharf.sources;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** A PostgreSQL schema of a test's own at 127.0.0.1:5432 (trust auth, database {@code test}), dropped afterwards. */
public final class PostgresSchema {
    public static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    public static final String USER = "postgres";
    private final String name;

    public PostgresSchema(String prefix) {
        name = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** The schema's name (WHARF_DB_SCHEMA). */
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

    public void drop() {
        try (Connection connection = DriverManager.getConnection(URL, USER, null);
                Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop schema " + name, e);
        }
    }
}
