package dev.wharf.storage.blob;

import dev.wharf.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Iterator;
import java.util.OptionalLong;

/**
 * Content-addressed bytes, nothing else: no repositories, no tags (those live in the metadata store).
 *
 * <p>Two areas: published blobs, addressed by digest, immutable and stored once; and upload staging areas,
 * addressed by an opaque upload id, that grow by appends until they are published or aborted. Publishing is
 * atomic: a reader sees either the whole blob or nothing. The caller verifies the digest before publishing
 * (it hashes while streaming); the store only moves bytes.
 *
 * <p>Upload ids must match {@code [A-Za-z0-9-]{1,64}} (a UUID does); every method that takes one throws
 * IllegalArgumentException for anything else, because ids become path segments and object keys.
 *
 * <p>Nothing here assumes a local path, so an object-store implementation fits the same contract.
 * Every implementation runs {@code BlobStoreContract}.
 */
public interface BlobStore {

    /** Size of a published blob, or empty when it is not there. */
    OptionalLong size(Digest digest) throws IOException;

    /**
     * Opens a published blob for reading from {@code offset} to the end. An offset at or past the end yields an
     * empty stream (range checks belong to the caller, which knows the size).
     *
     * @throws BlobNotFoundException when the blob is not published
     * @throws IllegalArgumentException when {@code offset} is negative
     */
    InputStream open(Digest digest, long offset) throws IOException;

    /** Removes a published blob; returns false when it was not there. */
    boolean delete(Digest digest) throws IOException;

    /** Iterates over every published blob (for garbage collection and migration); order unspecified. */
    Iterator<Digest> list() throws IOException;

    /**
     * Creates an empty staging area. The id is chosen by the caller (a random UUID) and must be new; the
     * built-in stores throw FileAlreadyExistsException for an id in use.
     */
    void createUpload(String uploadId) throws IOException;

    /**
     * Appends {@code data} to the staging area, which must currently hold exactly {@code expectedOffset} bytes.
     * All or nothing: when reading {@code data} fails, the staging area keeps its previous size, so a caller
     * that hashes while streaming must discard the bytes it hashed for this call. Concurrent appends to one
     * upload are serialised: of two at the same offset, exactly one succeeds and the other gets
     * UploadOffsetException.
     *
     * @return the staging area's size after the append
     * @throws UploadNotFoundException when there is no such staging area
     * @throws UploadOffsetException when the staging area's size is not {@code expectedOffset}
     */
    long append(String uploadId, long expectedOffset, InputStream data) throws IOException;

    /** Current size of a staging area, or empty when there is none. */
    OptionalLong uploadSize(String uploadId) throws IOException;

    /**
     * Reads a staging area from the start (used to re-hash an upload whose hash state was lost).
     *
     * @throws UploadNotFoundException when there is no such staging area
     */
    InputStream openUpload(String uploadId) throws IOException;

    /**
     * Publishes the staging area as {@code digest} atomically and removes the staging area. The caller has
     * already verified that the content hashes to {@code digest}. If the blob is already published, the staged
     * copy is discarded and the existing blob kept (content addressing makes them equal); concurrent publishes
     * of one digest from different uploads all succeed. Waits for an append to the same upload still running.
     *
     * @throws UploadNotFoundException when there is no such staging area
     */
    void publish(String uploadId, Digest digest) throws IOException;

    /**
     * {@link #publish(String, Digest)}, but only if the staging area still holds exactly {@code expectedSize}
     * bytes: the size whose content the caller hashed. Across nodes an append can commit between the caller's
     * digest check and the publish; without this check the blob would be published under a digest its bytes do
     * not have. Stores that serve several nodes must check atomically with the publish; this default, for
     * single-process stores whose callers serialise per upload, checks just before.
     *
     * @throws UploadOffsetException when the staging area holds another number of bytes (nothing is published)
     * @throws UploadNotFoundException when there is no such staging area
     */
    default void publish(String uploadId, Digest digest, long expectedSize) throws IOException {
        long size = uploadSize(uploadId).orElseThrow(() -> new UploadNotFoundException("upload " + uploadId));
        if (size != expectedSize) throw new UploadOffsetException(uploadId, expectedSize, size);
        publish(uploadId, digest);
    }

    /**
     * Stores a local file, whose content the caller has already verified to hash to {@code digest}, as that blob,
     * without an upload: no staging copy, no second read to hash it (a pull-through mirror's verified download).
     * Atomic like {@link #publish}; if the blob is already published the existing copy is kept. The file is left
     * where it is for the caller to remove, and must not be written to afterwards (the filesystem store may make
     * the blob a second name of the same file). This default streams the file through a staging area, for stores
     * that have nothing faster.
     *
     * @throws java.nio.file.NoSuchFileException when the file does not exist
     */
    default void publishFile(java.nio.file.Path file, Digest digest) throws IOException {
        String uploadId = java.util.UUID.randomUUID().toString();
        createUpload(uploadId);
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            long size = append(uploadId, 0, in);
            publish(uploadId, digest, size);
        } catch (IOException | RuntimeException e) {
            try {
                abortUpload(uploadId);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Discards a staging area; no-op when it does not exist. */
    void abortUpload(String uploadId) throws IOException;

    /** Staging areas last written before {@code cutoff}, for expiring abandoned uploads. */
    Iterator<String> uploadsOlderThan(Instant cutoff) throws IOException;

    /** Write, read and delete a probe object; throws with a clear message when storage is unusable. */
    void probe() throws IOException;

    /** A short name for logs and metrics ("filesystem", "s3", "memory"). */
    String kind();

    /**
     * The published blob as a local file, when this store keeps blobs on a local file system; lets the HTTP layer
     * serve it without copying through the heap. Empty for stores without local files (object storage). The file
     * may still be deleted after this returns.
     */
    default java.util.Optional<java.nio.file.Path> localPath(Digest digest) {
        return java.util.Optional.empty();
    }

    /**
     * A time-limited URL from which any client may fetch the published blob directly (honouring {@code Range}),
     * when this store is configured to hand such URLs out (S3 with {@code storage.s3.redirect}); the HTTP layer
     * then redirects instead of streaming. Empty otherwise. Computed locally: it does not check the blob exists.
     */
    default java.util.Optional<java.net.URI> directUrl(Digest digest) {
        return java.util.Optional.empty();
    }
}
