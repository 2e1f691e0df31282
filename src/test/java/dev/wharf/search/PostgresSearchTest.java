package dev.wharf.search;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;

/** The same rules on PostgreSQL (GIN text search, "C" collation ranges), in a schema of the test's own. */
class PostgresSearchTest extends SearchContract {
    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private final String schema = "wharf_search_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    private Path dir;

    @Override
    List<String> databaseArgs() throws Exception {
        dir = java.nio.file.Files.createTempDirectory("wharf-search");
        return List.of("--data-dir", dir.toString(), "--db-url", URL, "--db-user", "postgres", "--db-schema", schema);
    }

    @Override
    void cleanUp() throws Exception {
        try (Connection c = DriverManager.getConnection(URL, "postgres", null); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
