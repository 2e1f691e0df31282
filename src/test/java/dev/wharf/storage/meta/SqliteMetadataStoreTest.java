package dev.wharf.storage.meta;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteMetadataStoreTest extends ImageStoreContract {

    @TempDir
    Path dir;

    @Override
    protected MetadataStore createStore() {
        return new SqlMetadataStore(Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 4, null));
    }
}
