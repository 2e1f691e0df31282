package dev.wharf.auth;

import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteIdentityTest extends IdentityContract {

    @TempDir
    Path dir;

    @Override
    protected Database openDatabase() {
        return Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 4, null);
    }
}
