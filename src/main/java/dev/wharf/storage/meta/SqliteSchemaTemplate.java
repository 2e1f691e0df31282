package dev.wharf.storage.meta;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A new SQLite node's schema, copied instead of migrated. Flyway setting up, scanning and running the bundled
 * migrations on an empty file was half of a fresh node's start-up on a 2-core VM (~0.9 s of the database phase,
 * docs/benchmarks-journal.md, "What runs Y–AA add"), and it produces the same schema and rows for every new node of a
 * build (only Flyway's record of when it ran differs): the migrations are plain DDL and fixed rows, nothing random or
 * dated. So the first new database of a build, right after Flyway migrated it and before anything else wrote to it,
 * is copied into the launcher's directory for this build ({@link BuildCacheDir}) as
 * {@value #FILE}; later new databases of that build are filled with that copy, and Flyway is not started for them.
 * The copy holds Flyway's own history table, so the next start of such a node migrates and validates as any other
 * does. Without the launcher's directory nothing changes.
 */
final class SqliteSchemaTemplate {
    private static final Logger log = LoggerFactory.getLogger(SqliteSchemaTemplate.class);
    static final String FILE = "schema.sqlite";

    private final Path dir;

    SqliteSchemaTemplate(Path dir) {
        this.dir = dir;
    }

    /** This build's template directory as the launcher names it, if it does. */
    static Optional<SqliteSchemaTemplate> ofLauncher() {
        return BuildCacheDir.fromLauncher().map(SqliteSchemaTemplate::new);
    }

    Path file() {
        return dir.resolve(FILE);
    }

    /**
     * Fills {@code database}, an empty file no connection has opened yet, with the template. Its mode is kept (the
     * bytes are written into it, the file is not replaced).
     *
     * @return true when the database now holds the current schema; false when there is no template yet or it could
     *     not be copied, and the file is then empty again, for Flyway
     */
    boolean fill(Path database) {
        Path template = file();
        if (!Files.isRegularFile(template)) return false;
        try (FileChannel in = FileChannel.open(template, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(database, StandardOpenOption.WRITE)) {
            if (out.size() != 0) return false;
            try {
                long size = in.size();
                for (long done = 0; done < size; ) done += in.transferTo(done, size - done, out);
                out.force(true);
                return true;
            } catch (IOException | RuntimeException e) {
                out.truncate(0);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            log.info("new database {} is created by its migrations: the schema template {} cannot be copied ({})",
                    database, template, e.toString());
            return false;
        }
    }

    /**
     * A pool on {@code database}, a new empty file, once it is filled with the template and found to hold migrated
     * schema. Empty when there is no template yet, or the copy is unusable (not a database, no applied migrations):
     * the template is then removed, the file is empty again, and the caller migrates it as it would without one.
     */
    Optional<HikariDataSource> openFilled(Path database, Supplier<HikariDataSource> pool) {
        if (!fill(database)) return Optional.empty();
        HikariDataSource opened = null;
        try {
            opened = pool.get();
            try (Connection c = opened.getConnection(); Statement s = c.createStatement();
                    ResultSet applied = s.executeQuery(
                            "SELECT count(*) FROM flyway_schema_history WHERE success = 1")) {
                if (!applied.next() || applied.getLong(1) == 0) throw new SQLException("it lists no applied migration");
            }
            log.info("new database {}: schema copied from this build's template {}", database, file());
            return Optional.of(opened);
        } catch (SQLException | RuntimeException e) {
            if (opened != null) opened.close();
            log.warn("the schema template {} is unusable ({}): removed; the new database is migrated instead", file(),
                    e.getMessage());
            try {
                Files.deleteIfExists(file());
                try (FileChannel out = FileChannel.open(database, StandardOpenOption.WRITE)) {
                    out.truncate(0);
                }
                Files.deleteIfExists(database.resolveSibling(database.getFileName() + "-wal"));
                Files.deleteIfExists(database.resolveSibling(database.getFileName() + "-shm"));
            } catch (IOException cleanup) {
                throw new UncheckedIOException("cannot empty " + database + " after a bad schema template", cleanup);
            }
            return Optional.empty();
        }
    }

    /**
     * Keeps a copy of a database Flyway has just migrated from empty, as this build's template, unless there is one.
     * {@code VACUUM INTO} writes a consistent, self-contained copy (no WAL) whatever the source's journal; the copy
     * appears whole, by rename. Best effort: a node that cannot keep it starts all the same.
     */
    void keep(DataSource migrated) {
        Path target = file();
        if (Files.isRegularFile(target)) return;
        Path partial = dir.resolve(FILE + "." + UUID.randomUUID() + ".partial");
        try {
            Files.createDirectories(dir);
            try (Connection c = migrated.getConnection(); Statement s = c.createStatement()) {
                s.execute("VACUUM INTO '" + partial.toAbsolutePath().toString().replace("'", "''") + "'");
            }
            BuildCacheDir.publish(partial, target); // readable by all: it holds no data, only the schema
        } catch (IOException | SQLException | RuntimeException e) {
            log.info("the schema template {} was not kept ({}); new databases are migrated by Flyway", target,
                    e.toString());
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException e) {
                // a leftover partial file in the build's directory; the next build's launcher removes the directory
            }
        }
    }
}
