package dev.wharf.quota;

import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteQuotaTest extends QuotaContract {
    @TempDir
    Path dir;

    @Override
    protected Database openDatabase() {
        return Database.open("jdbc:sqlite:" + dir.resolve("wharf.db"), null, null, 4, null);
    }
}
