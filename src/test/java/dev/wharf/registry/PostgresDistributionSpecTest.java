package dev.wharf.registry;

import dev.wharf.testing.PostgresSchema;
import dev.wharf.testing.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The spec v1.1.1 additions on PostgreSQL (a schema of this run, 127.0.0.1:5432), where row locks matter. */
class PostgresDistributionSpecTest extends DistributionSpecContract {
    @TempDir static Path dir;
    static TestRegistry registry;

    @BeforeAll
    static void start() {
        registry = new TestRegistry(TestServer.builder(dir).auth(false)
                .database(new PostgresSchema("wharf_spec_")).build());
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
    }

    @Override
    TestRegistry reg() {
        return registry;
    }
}
