package dev.wharf.storage.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSchemaTemplateTest {
    @TempDir
    Path dir;

    @Test
    void theFirstNewDatabaseIsKeptAndLaterOnesAreCopiesFlywayAccepts() throws Exception {
        SqliteSchemaTemplate template = new SqliteSchemaTemplate(dir.resolve("wharf-1.cache"));
        Path migrated = dir.resolve("a/wharf.db");
        try (Database database = open(migrated, template)) {
            assertThat(applied(database)).isPositive();
        }
        assertThat(template.file()).isRegularFile();
        assertThat(Files.getPosixFilePermissions(template.file()))
                .isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        // Marks the template, so that a database holding the mark can only be a copy of it.
        sql(template.file(), "CREATE TABLE template_mark (x INTEGER)");

        Path copied = dir.resolve("b/wharf.db");
        try (Database database = open(copied, template); var store = new SqlMetadataStore(database)) {
            assertThat(tables(copied)).contains("template_mark");
            store.ensureRepository("library/alpine", Instant.EPOCH);
            assertThat(store.findRepository("library/alpine")).isPresent();
        }
        // The new node's file keeps the private mode it was created with; it is filled, not replaced.
        assertThat(Files.getPosixFilePermissions(copied)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        // Same schema as the one Flyway made, and Flyway's next start finds nothing to do and nothing to object to.
        assertThat(schema(copied)).isEqualTo(schema(migrated));
        int appliedToCopy;
        try (Database database = open(copied, template)) {
            appliedToCopy = applied(database);
            int repositories = database.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM repositories")
                    .mapTo(Integer.class).one());
            assertThat(repositories).isEqualTo(1);
        }
        try (Database database = open(migrated, template)) {
            assertThat(appliedToCopy).isEqualTo(applied(database));
        }
    }

    @Test
    void aBrokenTemplateIsRemovedAndTheNewDatabaseMigratedInstead() throws Exception {
        SqliteSchemaTemplate template = new SqliteSchemaTemplate(dir.resolve("wharf-1.cache"));
        Files.createDirectories(template.file().getParent());
        Files.writeString(template.file(), "not a database, and long enough to look like one's first page");
        Path db = dir.resolve("wharf.db");
        try (Database database = open(db, template); var store = new SqlMetadataStore(database)) {
            assertThat(applied(database)).isPositive();
            store.ensureRepository("library/alpine", Instant.EPOCH);
        }
        // Kept anew from the database Flyway just made.
        assertThat(new String(Files.readAllBytes(template.file()), 0, 15, StandardCharsets.US_ASCII))
                .isEqualTo("SQLite format 3");
    }

    @Test
    void aTemplateWithoutAppliedMigrationsIsNotTrusted() throws Exception {
        SqliteSchemaTemplate template = new SqliteSchemaTemplate(dir.resolve("wharf-1.cache"));
        Files.createDirectories(template.file().getParent());
        sql(template.file(), "CREATE TABLE unrelated (x INTEGER)");
        Path db = dir.resolve("wharf.db");
        try (Database database = open(db, template)) {
            assertThat(applied(database)).isPositive();
        }
        assertThat(tables(db)).doesNotContain("unrelated").contains("repositories");
    }

    @Test
    void onlyANewFileIsFilled() throws Exception {
        SqliteSchemaTemplate template = new SqliteSchemaTemplate(dir.resolve("wharf-1.cache"));
        try (Database database = open(dir.resolve("first.db"), template)) {
            assertThat(template.file()).isRegularFile();
        }
        Path existing = dir.resolve("existing.db");
        Files.writeString(existing, "someone's data");
        assertThat(template.fill(existing)).isFalse();
        assertThat(Files.readString(existing)).isEqualTo("someone's data");

        Path empty = Files.createFile(dir.resolve("empty.db"));
        assertThat(Database.isNewSqliteFile("jdbc:sqlite:" + empty)).isTrue();
        // An empty file whose write-ahead log holds pages is a database SQLite has not checkpointed yet.
        Files.writeString(dir.resolve("empty.db-wal"), "pages");
        assertThat(Database.isNewSqliteFile("jdbc:sqlite:" + empty)).isFalse();
        assertThat(Database.isNewSqliteFile("jdbc:sqlite:" + existing)).isFalse();
        assertThat(Database.isNewSqliteFile("jdbc:sqlite:" + dir.resolve("none.db"))).isTrue();
        assertThat(Database.isNewSqliteFile("jdbc:sqlite:file:" + dir.resolve("none.db"))).isFalse();
    }

    @Test
    void whereNoTemplateCanBeKeptNewDatabasesAreMigratedAsBefore() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("plain-file"), "x");
        SqliteSchemaTemplate template = new SqliteSchemaTemplate(notADirectory.resolve("wharf-1.cache"));
        for (String name : List.of("one.db", "two.db")) {
            try (Database database = open(dir.resolve(name), template)) {
                assertThat(applied(database)).isPositive();
            }
        }
        assertThat(template.file()).doesNotExist();
    }

    private static Database open(Path file, SqliteSchemaTemplate template) {
        return Database.open("jdbc:sqlite:" + file, null, null, 2, null, Optional.of(template));
    }

    private static int applied(Database database) {
        return database.jdbi().withHandle(h -> h.createQuery(
                "SELECT count(*) FROM flyway_schema_history WHERE success = 1").mapTo(Integer.class).one());
    }

    private static void sql(Path file, String statement) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private static List<String> tables(Path file) throws Exception {
        return column(file, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    }

    /** Every table, index, trigger and view with its SQL, and the planner statistics, but not the test's mark. */
    private static List<String> schema(Path file) throws Exception {
        List<String> all = column(file, "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master"
                + " WHERE name <> 'template_mark' ORDER BY type, name");
        all.addAll(column(file, "SELECT tbl || ' ' || coalesce(idx, '') || ' ' || stat FROM sqlite_stat1"
                + " ORDER BY tbl, idx"));
        all.addAll(column(file, "SELECT version || ' ' || script || ' ' || checksum FROM flyway_schema_history"
                + " ORDER BY installed_rank"));
        return all;
    }

    private static List<String> column(Path file, String query) throws Exception {
        List<String> values = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
                ResultSet r = s.executeQuery(query)) {
            while (r.next()) values.add(r.getString(1));
        }
        return values;
    }
}
