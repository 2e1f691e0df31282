package dev.wharf.registry;

import dev.wharf.testing.TestServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The spec v1.1.1 additions on SQLite + filesystem. */
class SqliteDistributionSpecTest extends DistributionSpecContract {
    @TempDir static Path dir;
    static TestRegistry registry;

    @BeforeAll
    static void start() {
        registry = new TestRegistry(TestServer.builder(dir).auth(false).build());
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Override
    TestRegistry reg() {
        return registry;
    }
}
