package dev.wharf.storage.blob;

import dev.wharf.model.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.FileAlreadyExistsException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A thread-safe {@link BlobStore} in memory, for tests of the layers above storage. Same semantics as the
 * real stores, checked by the same contract suite.
 *
 * <p>Bytes are kept as lists of chunks of at most 1 MiB, so a large test blob never needs one huge array and
 * publishing hands the staged chunks over without copying them.
 */
public final class InMemoryBlobStore implements BlobStore {
    private static final int CHUNK_SIZE = 1024 * 1024;

    /** Immutable content: the chunk arrays are never written after they are added. */
    private record Content(List<byte[]> chunks, long size) {
        InputStream from(long offset) {
            List<InputStream> parts = new ArrayList<>();
            long skip = offset;
            for (byte[] chunk : chunks) {
                if (skip >= chunk.length) {
                    skip -= chunk.length;
                    continue;
                }
                parts.add(new ByteArrayInputStream(chunk, (int) skip, chunk.length - (int) skip));
                skip = 0;
            }
            return new SequenceInputStream(Collections.enumeration(parts));
        }
    }

    private static final class Upload {
        final ReentrantLock lock = new ReentrantLock();
        final List<byte[]> chunks = new ArrayList<>(); // guarded by lock
        volatile long size;
        volatile Instant lastWrite = Instant.now();

        Content snapshot() {
            lock.lock();
            try {
                return new Content(List.copyOf(chunks), size);
            } finally {
                lock.unlock();
            }
        }
    }

    private final ConcurrentHashMap<Digest, Content> blobs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Upload> uploads = new ConcurrentHashMap<>();

    @Override
    public OptionalLong size(Digest digest) {
        Content content = blobs.get(digest);
        return content == null ? OptionalLong.empty() : OptionalLong.of(content.size());
    }

    @Override
    public InputStream open(Digest digest, long offset) throws IOException {
        if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
        Content content = blobs.get(digest);
        if (content == null) throw new BlobNotFoundException("blob " + digest);
        return content.from(offset);
    }

    @Override
    public boolean delete(Digest digest) {
        return blobs.remove(digest) != null;
    }

    @Override
    public Iterator<Digest> list() {
        return List.copyOf(blobs.keySet()).iterator();
    }

    @Override
    public void createUpload(String uploadId) throws IOException {
        if (uploads.putIfAbsent(UploadIds.requireValid(uploadId), new Upload()) != null) {
            throw new FileAlreadyExistsException("upload " + uploadId);
        }
    }

    @Override
    public long append(String uploadId, long expectedOffset, InputStream data) throws IOException {
        Upload upload = lockedUpload(uploadId);
        try {
            if (upload.size != expectedOffset) {
                throw new UploadOffsetException(uploadId, expectedOffset, upload.size);
            }
            // Read everything before changing anything: an append is all or nothing.
            List<byte[]> added = new ArrayList<>();
            long addedSize = 0;
            byte[] chunk;
            while ((chunk = data.readNBytes(CHUNK_SIZE)).length > 0) {
                added.add(chunk);
                addedSize += chunk.length;
            }
            upload.chunks.addAll(added);
            upload.size += addedSize;
            upload.lastWrite = Instant.now();
            return upload.size;
        } finally {
            upload.lock.unlock();
        }
    }

    @Override
    public OptionalLong uploadSize(String uploadId) {
        Upload upload = uploads.get(UploadIds.requireValid(uploadId));
        return upload == null ? OptionalLong.empty() : OptionalLong.of(upload.size);
    }

    @Override
    public InputStream openUpload(String uploadId) throws IOException {
        Upload upload = uploads.get(UploadIds.requireValid(uploadId));
        if (upload == null) throw new UploadNotFoundException("upload " + uploadId);
        return upload.snapshot().from(0);
    }

    @Override
    public void publish(String uploadId, Digest digest) throws IOException {
        Upload upload = lockedUpload(uploadId);
        try {
            // putIfAbsent is the atomic step: readers see the complete content or nothing, and an existing
            // blob (same digest, so same bytes) is kept.
            blobs.putIfAbsent(digest, new Content(List.copyOf(upload.chunks), upload.size));
            uploads.remove(uploadId, upload);
        } finally {
            upload.lock.unlock();
        }
    }

    @Override
    public void abortUpload(String uploadId) {
        uploads.remove(UploadIds.requireValid(uploadId));
    }

    @Override
    public Iterator<String> uploadsOlderThan(Instant cutoff) {
        return uploads.entrySet().stream()
                .filter(e -> e.getValue().lastWrite.isBefore(cutoff))
                .map(Map.Entry::getKey)
                .toList()
                .iterator();
    }

    /** Nothing can fail in memory, so there is nothing to probe. */
    @Override
    public void probe() {}

    @Override
    public String kind() {
        return "memory";
    }

    /**
     * The upload, locked; re-checked after locking because a publish or abort may have removed it while this
     * thread waited.
     */
    private Upload lockedUpload(String uploadId) throws UploadNotFoundException {
        Upload upload = uploads.get(UploadIds.requireValid(uploadId));
        if (upload == null) throw new UploadNotFoundException("upload " + uploadId);
        upload.lock.lock();
        if (uploads.get(uploadId) != upload) {
            upload.lock.unlock();
            throw new UploadNotFoundException("upload " + uploadId);
        }
        return upload;
    }
}
