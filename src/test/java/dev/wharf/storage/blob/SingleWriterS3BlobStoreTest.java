package dev.wharf.storage.blob;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The S3 store with its upload states as objects in the bucket ({@code wharf migrate}'s store). */
class SingleWriterS3BlobStoreTest extends S3BlobStoreTest {
    @Override
    protected S3BlobStore open(S3BlobStore.Settings settings, Path tails) throws IOException {
        return S3BlobStore.singleWriter(settings, tails);
    }

    @Override
    protected List<String> keysOfANewUpload(String keyPrefix, String uploadId) {
        return List.of(keyPrefix + "uploads/" + uploadId + "/state.json");
    }
}
