package dev.wharf.registry;

import dev.wharf.sources.PostgresSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The spec v1.1.1 additions on PostgreSQL (a schema of this run, 127.0.0.1:5432), where row locks matter. */
class PostgresDistributionSpecTest extends DistributionSpecContract {
    @TempDir static Path dir;
    static PostgresSchema schema;
    static TestRegistry registry;

    @BeforeAll
    static void start() {
        schema = new PostgresSchema("wharf_spec_");
        List<String> flags = new ArrayList<>(List.of("--auth-enabled", "false"));
        flags.addAll(List.of(schema.serverArgs()));
        registry = new TestRegistry(dir, flags.toArray(String[]::new));
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
        schema.drop();
    }

    @Override
    TestRegistry reg() {
        return registry;
    }
}
