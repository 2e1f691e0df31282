package dev.wharf.gc;

import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteGarbageCollectorTest extends GarbageCollectorContract {
    @TempDir
    Path dir;

    @Override
    protected Database openDatabase() {
        return Database.open("jdbc:sqlite:" + dir.resolve("gc.db"), null, null, 4, null);
    }
}
