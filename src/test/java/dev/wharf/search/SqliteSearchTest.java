package dev.wharf.search;

import java.nio.file.Path;
import java.util.List;
import java.nio.file.Files;

class SqliteSearchTest extends SearchContract {
    @Override
    List<String> databaseArgs() throws Exception {
        dir = Files.createTempDirectory("wharf-search");
        return List.of("--data-dir", dir.toString());
    }

    private Path dir;

    @Override
    void cleanUp() throws Exception {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
