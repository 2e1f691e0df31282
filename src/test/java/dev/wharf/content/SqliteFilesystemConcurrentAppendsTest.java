package dev.wharf.content;

import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.blob.FilesystemBlobStore;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded layout: one process, so one database and one blob store, but two upload services, whose
 * per-instance locks and hash states do not know of each other (as after a restart mid-upload).
 */
class SqliteFilesystemConcurrentAppendsTest extends ConcurrentAppendsContract {
    @TempDir
    Path dir;
    private Database database;
    private FilesystemBlobStore store;

    @Override
    protected List<UploadService> nodes() throws Exception {
        database = Database.open("jdbc:sqlite:" + dir.resolve("wharf.db"), null, null, 4, null);
        store = new FilesystemBlobStore(dir.resolve("storage"));
        SqlMetadataStore meta = new SqlMetadataStore(database);
        return List.of(new UploadService(store, meta, clock()), new UploadService(store, meta, clock()));
    }

    @Override
    protected BlobStore storage() {
        return store;
    }

    @Override
    protected void closeNodes() {
        if (database != null) database.close();
    }
}
