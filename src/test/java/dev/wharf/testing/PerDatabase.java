package dev.wharf.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * One fixture (a started server with its data) per metadata database, started the first time a test asks for that
 * database and closed with this: lets one test class run its tests on SQLite and on PostgreSQL (a schema of its own
 * at 127.0.0.1:5432) through {@code @EnumSource(PerDatabase.Kind.class)}, with no subclass per database.
 */
public final class PerDatabase<T extends AutoCloseable> implements AutoCloseable {
    public enum Kind { SQLITE, POSTGRESQL }

    private final String schemaPrefix;
    private final BiFunction<Path, String[], T> start;
    private final Map<Kind, T> started = new EnumMap<>(Kind.class);
    private final List<PostgresSchema> schemas = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();

    /** @param start starts a fixture in a data directory with these extra server flags */
    public PerDatabase(String schemaPrefix, BiFunction<Path, String[], T> start) {
        this.schemaPrefix = schemaPrefix;
        this.start = start;
    }

    public synchronized T on(Kind kind) {
        return started.computeIfAbsent(kind, k -> {
            String[] flags = new String[0];
            if (k == Kind.POSTGRESQL) {
                PostgresSchema schema = new PostgresSchema(schemaPrefix);
                schemas.add(schema);
                flags = schema.serverArgs();
            }
            try {
                Path dir = Files.createTempDirectory("wharf-" + k.name().toLowerCase(java.util.Locale.ROOT));
                dirs.add(dir);
                return start.apply(dir, flags);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public synchronized void close() throws Exception {
        for (T fixture : started.values()) fixture.close();
        for (PostgresSchema schema : schemas) schema.drop();
        for (Path dir : dirs) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
