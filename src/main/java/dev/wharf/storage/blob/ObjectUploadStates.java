package dev.wharf.storage.blob;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Upload states as objects ({@code uploads/<id>/state.json}) in the bucket itself: nothing else needed, but S3
 * cannot replace an object only if it is unchanged on every S3-compatible service, so {@link #replace} is a
 * read, compare and write. That is atomic only because the blob store holds its per-upload lock around it, i.e.
 * for a single process. Used where one process is the only writer ({@code wharf migrate}); servers share
 * {@code app.SqlUploadStates} instead.
 */
final class ObjectUploadStates implements UploadStateStore {
    private static final String JSON = "application/json";

    private final S3Objects objects;
    private final S3Layout layout;

    ObjectUploadStates(S3Objects objects, S3Layout layout) {
        this.objects = objects;
        this.layout = layout;
    }

    @Override
    public boolean create(String uploadId, String revision, byte[] state) throws IOException {
        String key = layout.uploadState(uploadId);
        if (objects.head(key).isPresent()) return false;
        objects.putBytes(key, state, JSON);
        return true;
    }

    @Override
    public Optional<byte[]> read(String uploadId) throws IOException {
        return objects.getBytes(layout.uploadState(uploadId));
    }

    @Override
    public boolean replace(String uploadId, String expectedRevision, String newRevision, byte[] state)
            throws IOException {
        Optional<byte[]> current = read(uploadId);
        if (current.isEmpty()) return false;
        if (!S3UploadState.fromJson(uploadId, current.get()).revision().equals(expectedRevision)) return false;
        objects.putBytes(layout.uploadState(uploadId), state, JSON);
        return true;
    }

    @Override
    public void delete(String uploadId) throws IOException {
        objects.delete(layout.uploadState(uploadId));
    }

    @Override
    public Map<String, Instant> lastWritten() throws IOException {
        Map<String, Instant> written = new HashMap<>();
        try {
            for (Iterator<S3Object> it = objects.list(layout.uploadsPrefix()); it.hasNext(); ) {
                S3Object o = it.next();
                if (!layout.isUploadState(o.key())) continue;
                layout.uploadIdOf(o.key()).ifPresent(id -> written.put(id, o.lastModified()));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return written;
    }
}
