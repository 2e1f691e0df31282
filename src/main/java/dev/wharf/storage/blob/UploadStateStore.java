package dev.wharf.storage.blob;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Where the S3 blob store keeps each upload's committed state (the small document that names its parts and tail,
 * see {@code S3UploadState}). Replacing it is an append's commit point, so this is what makes appends to one
 * upload safe across nodes: {@link #replace} must be atomic for every node that shares the store.
 *
 * <p>Two implementations: {@code app.SqlUploadStates}, a row per upload and a conditional UPDATE, which
 * every server uses; and {@link ObjectUploadStates}, an object in the bucket, for a single writer such as
 * {@code wharf migrate}, where there is no shared database yet and nothing appends concurrently.
 */
public interface UploadStateStore {

    /** Stores the first state of a new upload; false (and nothing written) when the id is taken. */
    boolean create(String uploadId, String revision, byte[] state) throws IOException;

    /** The committed state, or empty when there is no such upload. */
    Optional<byte[]> read(String uploadId) throws IOException;

    /**
     * Replaces the state only if its revision is still {@code expectedRevision}, in one atomic step; false when
     * another append committed first or the upload is gone.
     */
    boolean replace(String uploadId, String expectedRevision, String newRevision, byte[] state) throws IOException;

    /** Removes the state; no-op when there is none. */
    void delete(String uploadId) throws IOException;

    /** Every stored upload and when its state was last written, for expiring abandoned uploads. */
    Map<String, Instant> lastWritten() throws IOException;
}
