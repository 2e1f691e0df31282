package dev.wharf.app;

import dev.wharf.config.WharfConfig;
import dev.wharf.config.StorageConfig;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.blob.FilesystemBlobStore;
import dev.wharf.storage.blob.S3BlobStore;
import dev.wharf.storage.meta.Database;
import java.io.IOException;
import java.time.Clock;

/** Picks the blob store named by {@code storage.driver}; the config is validated already. */
final class BlobStores {
    private BlobStores() {}

    /** A server's store: S3 upload states go to the shared database, so any number of nodes may append. */
    static BlobStore forServer(WharfConfig config, Database database, Clock clock) throws IOException {
        return switch (config.storage().driver()) {
            case "s3" -> S3BlobStore.shared(settings(config), tailDir(config), new SqlUploadStates(database, clock));
            default -> filesystem(config);
        };
    }

    /** The store of a process that is the only one writing to it ({@code wharf migrate}); needs no database. */
    static BlobStore forSingleWriter(WharfConfig config) throws IOException {
        return switch (config.storage().driver()) {
            case "s3" -> S3BlobStore.singleWriter(settings(config), tailDir(config));
            default -> filesystem(config);
        };
    }

    private static BlobStore filesystem(WharfConfig config) throws IOException {
        if (!config.storage().driver().equals("filesystem")) {
            throw new IllegalArgumentException("unknown storage driver " + config.storage().driver());
        }
        return new FilesystemBlobStore(config.storage().root(), config.storage().reserveBytes());
    }

    private static S3BlobStore.Settings settings(WharfConfig config) {
        StorageConfig.S3 s = config.storage().s3();
        return new S3BlobStore.Settings(s.endpoint(), s.region(), s.bucket(), s.prefix(), s.pathStyle(),
                s.accessKey(), s.secretKey(), s.redirect() ? s.redirectExpiry() : null);
    }

    private static java.nio.file.Path tailDir(WharfConfig config) {
        return config.dataDir().resolve("s3-buffer");
    }
}
