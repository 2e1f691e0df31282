package dev.wharf.app;

import dev.wharf.config.WharfConfig;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.blob.FilesystemBlobStore;
import dev.wharf.storage.blob.S3BlobStore;
import java.io.IOException;

/** Picks the blob store named by {@code storage.driver}; the config is validated already. */
final class BlobStores {
    private BlobStores() {}

    static BlobStore create(WharfConfig config) throws IOException {
        return switch (config.storageDriver()) {
            case "s3" -> {
                WharfConfig.S3 s = config.s3();
                yield new S3BlobStore(new S3BlobStore.Settings(s.endpoint(), s.region(), s.bucket(), s.prefix(),
                        s.pathStyle(), s.accessKey(), s.secretKey()), config.dataDir().resolve("s3-buffer"));
            }
            case "filesystem" -> new FilesystemBlobStore(config.storageRoot());
            default -> throw new IllegalArgumentException("unknown storage driver " + config.storageDriver());
        };
    }
}
