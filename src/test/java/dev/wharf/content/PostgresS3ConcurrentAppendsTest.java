package dev.wharf.content;

import dev.wharf.app.SqlUploadStates;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.blob.S3BlobStore;
import dev.wharf.storage.blob.S3Proxy;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Two nodes as in production: each its own database pool and S3 client, one PostgreSQL schema, one bucket. */
class PostgresS3ConcurrentAppendsTest extends ConcurrentAppendsContract {
    private static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";
    private static final String USER = "postgres";
    private static final String BUCKET = "race";
    private static final String SCHEMA = "wharf_race_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @TempDir
    static Path shared;
    private static S3Proxy proxy;

    @TempDir
    Path local;
    private final List<AutoCloseable> opened = new ArrayList<>();
    private S3BlobStore first;

    @BeforeAll
    static void startS3() throws Exception {
        proxy = S3Proxy.start(shared, BUCKET);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) proxy.close();
        try (Connection c = DriverManager.getConnection(URL, USER, null); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    @Override
    protected List<UploadService> nodes() throws Exception {
        List<UploadService> nodes = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            Database database = Database.open(URL, USER, null, 4, SCHEMA);
            S3BlobStore store = S3BlobStore.shared(proxy.settings(BUCKET, "p/"), local.resolve(name),
                    new SqlUploadStates(database, clock()));
            opened.add(store);
            opened.add(database);
            if (first == null) first = store;
            nodes.add(new UploadService(store, new SqlMetadataStore(database), clock()));
        }
        return nodes;
    }

    @Override
    protected BlobStore storage() {
        return first;
    }

    @Override
    protected void closeNodes() throws Exception {
        for (AutoCloseable c : opened) c.close();
    }
}
