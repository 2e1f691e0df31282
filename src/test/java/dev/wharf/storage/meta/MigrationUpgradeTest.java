package dev.wharf.storage.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every landed schema version upgrades to the latest: a database is migrated to version N only (as an
 * installation of that release left it), then opened by the current code, which must migrate it the rest of the
 * way. Numbering is contiguous and the same in both dialects, so no upgrade depends on out-of-order migrations.
 */
class MigrationUpgradeTest {
    private static final Pattern NAME = Pattern.compile("V(\\d+)__(\\w+)\\.sql");
    private static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    @TempDir
    Path dir;

    @Test
    void bothDialectsHaveTheSameContiguousVersions() throws Exception {
        List<String> sqlite = migrations("sqlite");
        List<String> postgres = migrations("postgresql");
        assertThat(sqlite).isEqualTo(postgres);
        for (int i = 0; i < sqlite.size(); i++) {
            assertThat(sqlite.get(i)).startsWith((i + 1) + "__");
        }
    }

    @Test
    void sqliteAtEveryVersionUpgradesToTheLatest() throws Exception {
        int latest = migrations("sqlite").size();
        for (int version = 1; version <= latest; version++) {
            String url = "jdbc:sqlite:" + dir.resolve("v" + version + ".db");
            Flyway.configure(Database.class.getClassLoader()).dataSource(url, null, null)
                    .locations("classpath:db/migration/sqlite").target(String.valueOf(version)).load().migrate();
            try (Database db = Database.open(url, null, null, 2, null)) {
                assertThat(schemaVersion(db, null)).as("from V" + version).isEqualTo(latest);
            }
        }
    }

    @Test
    void postgresAtEveryVersionUpgradesToTheLatest() throws Exception {
        assumeTrue(postgresAnswers(), "PostgreSQL does not answer on " + PG_URL);
        int latest = migrations("postgresql").size();
        for (int version = 1; version <= latest; version++) {
            String schema = "mig_" + version + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
            try {
                Flyway.configure(Database.class.getClassLoader()).dataSource(PG_URL, "postgres", null)
                        .schemas(schema).createSchemas(true)
                        .locations("classpath:db/migration/postgresql").target(String.valueOf(version)).load()
                        .migrate();
                try (Database db = Database.open(PG_URL, "postgres", null, 2, schema)) {
                    assertThat(schemaVersion(db, schema)).as("from V" + version).isEqualTo(latest);
                }
            } finally {
                try (Connection c = DriverManager.getConnection(PG_URL, "postgres", null);
                        Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                }
            }
        }
    }

    private static int schemaVersion(Database db, String schema) {
        String table = schema == null ? "flyway_schema_history" : schema + ".flyway_schema_history";
        return db.jdbi().withHandle(h -> h.createQuery("SELECT MAX(CAST(version AS INTEGER)) FROM " + table
                + " WHERE success = " + (schema == null ? "1" : "TRUE")).mapTo(Integer.class).one());
    }

    /** "N__name" of each migration file of a dialect, in version order. */
    private static List<String> migrations(String dialect) throws IOException, URISyntaxException {
        Path folder = Path.of(MigrationUpgradeTest.class.getClassLoader().getResource("db/migration/" + dialect).toURI());
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).map(NAME::matcher).filter(Matcher::matches)
                    .sorted((a, b) -> Integer.compare(Integer.parseInt(a.group(1)), Integer.parseInt(b.group(1))))
                    .map(m -> m.group(1) + "__" + m.group(2)).toList();
        }
    }

    private static boolean postgresAnswers() {
        try (Connection ignored = DriverManager.getConnection(PG_URL, "postgres", null)) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}
