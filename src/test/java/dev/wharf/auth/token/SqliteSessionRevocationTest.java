package dev.wharf.auth.token;

import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteSessionRevocationTest extends SessionRevocationContract {
    @TempDir
    Path dir;

    @Override
    protected Database openDatabase() {
        return Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 4, null);
    }
}
