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
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One fixture (a started server with its data) per metadata database, started the first time a test asks for that
 * database: lets one test class run its tests on SQLite and on PostgreSQL (a schema of its own at 127.0.0.1:5432)
 * through {@code @EnumSource(PerDatabase.Kind.class)}, with no subclass per database. As a
 * {@code @RegisterExtension static} field it stops the fixtures' servers, drops their schemas and removes their
 * data directories after the test class.
 */
public final class PerDatabase<T> implements AfterAllCallback, AutoCloseable {
    public enum Kind { SQLITE, POSTGRESQL }

    private final String schemaPrefix;
    private final BiFunction<Path, String[], T> start;
    private final Function<T, AutoCloseable> server;
    private final Map<Kind, T> started = new EnumMap<>(Kind.class);
    private final List<PostgresSchema> schemas = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();

    /**
     * @param start starts a fixture in a data directory with these extra server flags
     * @param server what of a fixture must be closed when the class is done (its server)
     */
    public PerDatabase(String schemaPrefix, BiFunction<Path, String[], T> start, Function<T, AutoCloseable> server) {
        this.schemaPrefix = schemaPrefix;
        this.start = start;
        this.server = server;
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
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    @Override
    public synchronized void close() throws Exception {
        for (T fixture : started.values()) server.apply(fixture).close();
        started.clear();
        for (PostgresSchema schema : schemas) schema.drop();
        schemas.clear();
        for (Path dir : dirs) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
        dirs.clear();
    }
}
