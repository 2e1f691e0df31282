package dev.wharf.content;

import dev.wharf.model.Digest;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.blob.UploadNotFoundException;
import dev.wharf.storage.blob.UploadOffsetException;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.storage.meta.UploadSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blob uploads, following the spec's three shapes: monolithic POST, POST then PUT, and chunked PATCHes then PUT.
 *
 * <p>Bytes are hashed as they stream in, so completing an upload does not read it back. The running hash lives in
 * memory on the node that received the chunks; if it is missing (restart, another node took a chunk, an append
 * failed half way) the upload is re-hashed from storage at completion. A digest mismatch discards the upload:
 * nothing is published or linked. Publication is atomic in the blob store; the blob row is reserved before it and
 * the link row written after it, so a crash leaves at worst an unlinked blob for garbage collection, never a link
 * to missing bytes.
 */
public final class UploadService {
    private static final Logger log = LoggerFactory.getLogger(UploadService.class);

    /** Hash state of one upload; {@code hasher == null} means "unknown, re-hash at completion". */
    private static final class State {
        final ReentrantLock lock = new ReentrantLock();
        MessageDigest hasher;
        long offset;
    }

    private final BlobStore blobs;
    private final MetadataStore meta;
    private final Clock clock;
    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final QuotaGuard quota;

    public UploadService(BlobStore blobs, MetadataStore meta, Clock clock) {
        this(blobs, meta, clock, QuotaGuard.NONE);
    }

    public UploadService(BlobStore blobs, MetadataStore meta, Clock clock, QuotaGuard quota) {
        this.blobs = blobs;
        this.meta = meta;
        this.clock = clock;
        this.quota = quota;
    }

    /**
     * Refuses, before any byte is received, an upload whose size the client declared (a monolithic POST or PUT with
     * a Content-Length) when linking it would take the namespace over its quota.
     */
    public void admitDeclared(String repository, Digest digest, long declaredSize) {
        if (declaredSize >= 0) quota.beforeBlob(repository, digest, declaredSize);
    }

    /** Opens an upload session for the repository; returns its id. */
    public String start(String repository) {
        String id = UUID.randomUUID().toString();
        try {
            blobs.createUpload(id);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Instant now = clock.instant();
        meta.createUpload(new UploadSession(id, repository, now, now));
        State s = new State();
        s.hasher = Digest.newHasher("sha256");
        states.put(id, s);
        return id;
    }

    /**
     * Monolithic upload: the whole blob in one request, verified against {@code expected} before publishing. If
     * reading the body fails (a lost connection, a cancelled import) the staging is discarded at once rather than
     * left for the idle-upload expiry.
     */
    public long uploadWhole(String repository, Digest expected, InputStream body) {
        String id = start(repository);
        try {
            append(repository, id, null, body);
        } catch (RuntimeException e) {
            discardQuietly(repository, id);
            throw e;
        }
        return complete(repository, id, expected, null, null);
    }

    private void discardQuietly(String repository, String id) {
        try {
            cancel(repository, id);
        } catch (RuntimeException e) {
            // Already gone, or storage failing too: the idle-upload expiry removes what is left.
        }
    }

    /** Current size of an upload, or BLOB_UPLOAD_UNKNOWN. */
    public long size(String repository, String uploadId) {
        session(repository, uploadId);
        try {
            return blobs.uploadSize(uploadId).orElseThrow(() -> unknown(uploadId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Appends a chunk. When {@code rangeStart} is given (from Content-Range) it must equal the bytes received so
     * far, else 416 with the current Range so the client can resume.
     *
     * @return the upload's size afterwards
     */
    public long append(String repository, String uploadId, Long rangeStart, InputStream body) {
        session(repository, uploadId);
        State state = states.computeIfAbsent(uploadId, k -> new State());
        state.lock.lock();
        try {
            long current = blobs.uploadSize(uploadId).orElseThrow(() -> unknown(uploadId));
            // A Content-Range that disagrees with the size read here is settled by the store under its own lock:
            // an append through another service may still be writing, and a 416 must report the size that append
            // leaves, not one read half-way through it.
            long expected = rangeStart != null ? rangeStart : current;
            if (expected != current) {
                state.hasher = null;
            } else if (current == 0) {
                // An empty upload's hash state is known, so the node taking the first chunk (usually the whole
                // blob, and often not the node that opened the upload) can hash it and spare a re-read at the end.
                state.hasher = Digest.newHasher("sha256");
                state.offset = 0;
            }
            InputStream in = body;
            if (state.hasher != null && state.offset == current) {
                in = new DigestInputStream(body, state.hasher);
            } else {
                state.hasher = null;
            }
            long size;
            try {
                size = blobs.append(uploadId, expected, in);
            } catch (IOException | RuntimeException e) {
                state.hasher = null; // the hash may have seen bytes the store did not keep
                throw e;
            }
            state.offset = size;
            meta.touchUpload(uploadId, clock.instant());
            return size;
        } catch (UploadOffsetException e) {
            throw outOfOrder(e.actualSize());
        } catch (UploadNotFoundException e) {
            throw unknown(uploadId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            state.lock.unlock();
        }
    }

    /**
     * Finishes an upload with an optional last chunk, verifies the digest and publishes the blob.
     *
     * @return the blob's size
     */
    public long complete(String repository, String uploadId, Digest expected, Long rangeStart, InputStream lastChunk) {
        if (lastChunk != null) append(repository, uploadId, rangeStart, lastChunk);
        session(repository, uploadId);
        State state = states.computeIfAbsent(uploadId, k -> new State());
        state.lock.lock();
        try {
            long size = blobs.uploadSize(uploadId).orElseThrow(() -> unknown(uploadId));
            Digest actual = actualDigest(uploadId, expected.algorithm(), state, size);
            if (!actual.equals(expected)) {
                discard(uploadId);
                throw new RegistryException(OciError.DIGEST_INVALID,
                        "provided digest did not match uploaded content", Map.of("expected", expected.toString(),
                                "actual", actual.toString()));
            }
            admitCompleted(uploadId, repository, expected, size);
            // fails if an append on another node landed since the check
            boolean linked = publishAndLink(repository, expected, size, () -> blobs.publish(uploadId, expected, size));
            meta.deleteUpload(uploadId);
            states.remove(uploadId);
            if (!linked) throw collectedMeanwhile(expected);
            return size;
        } catch (UploadOffsetException e) {
            throw outOfOrder(e.actualSize());
        } catch (UploadNotFoundException e) {
            throw unknown(uploadId);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            state.lock.unlock();
        }
    }

    /**
     * Stores a local file whose content the caller has verified to hash to {@code digest} (a mirror's download,
     * hashed as it arrived) and links it to the repository: the blob store adopts the file as it is, so its bytes
     * are neither read nor hashed again. The quota applies as to any upload. The file stays the caller's to remove.
     *
     * @return the blob's size
     */
    public long storeVerified(String repository, Digest digest, java.nio.file.Path file) {
        try {
            long size = java.nio.file.Files.size(file);
            quota.beforeBlob(repository, digest, size);
            if (!publishAndLink(repository, digest, size, () -> blobs.publishFile(file, digest))) {
                throw collectedMeanwhile(digest);
            }
            return size;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Publish {
        void run() throws IOException;
    }

    /**
     * Reserve, publish, link: see docs/ARCHITECTURE.md, "Garbage collection".
     *
     * @return false when the blob was collected between the reservation and the link and is gone
     */
    private boolean publishAndLink(String repository, Digest digest, long size, Publish publish) throws IOException {
        long generation = meta.reserveBlob(digest, size, clock.instant());
        publish.run();
        boolean linked = meta.linkReservedBlob(repository, digest, generation, clock.instant());
        return linked || relinkAfterCollection(repository, digest, size);
    }

    private static RegistryException collectedMeanwhile(Digest digest) {
        return new RegistryException(OciError.BLOB_UPLOAD_INVALID,
                "the blob was garbage-collected while this upload completed; upload it again",
                Map.of("digest", digest.toString()));
    }

    /** The quota check at completion, before publishing: a refused upload is discarded, nothing is linked. */
    private void admitCompleted(String uploadId, String repository, Digest digest, long size) {
        try {
            quota.beforeBlob(repository, digest, size);
        } catch (RegistryException e) {
            discard(uploadId);
            throw e;
        }
    }

    /**
     * The collector condemned the blob between our reservation and our link (the completion took longer than
     * gc.blob_grace), so the bytes just published may be deleted. Reserve again: from then on nothing deletes
     * them until the next grace period ends, so if the store still has them they can be linked.
     */
    private boolean relinkAfterCollection(String repository, Digest digest, long size) throws IOException {
        long generation = meta.reserveBlob(digest, size, clock.instant());
        if (blobs.size(digest).isEmpty()) return false;
        return meta.linkReservedBlob(repository, digest, generation, clock.instant());
    }

    public void cancel(String repository, String uploadId) {
        session(repository, uploadId);
        discard(uploadId);
    }

    /** Removes sessions idle for longer than {@code maxIdle}, and staging data no session owns. */
    public int expireIdle(Duration maxIdle) {
        Instant cutoff = clock.instant().minus(maxIdle);
        int removed = 0;
        for (UploadSession s : meta.uploadsIdleSince(cutoff)) {
            discard(s.id());
            removed++;
        }
        try {
            for (Iterator<String> it = blobs.uploadsOlderThan(cutoff); it.hasNext(); ) {
                String id = it.next();
                if (meta.findUpload(id).isEmpty()) {
                    blobs.abortUpload(id);
                    removed++;
                }
            }
        } catch (IOException e) {
            log.warn("could not list stale uploads: {}", e.toString());
        }
        return removed;
    }

    private Digest actualDigest(String uploadId, String algorithm, State state, long size) throws IOException {
        if (state.hasher != null && state.offset == size && algorithm.equals("sha256")) {
            return Digest.fromHasher("sha256", state.hasher);
        }
        MessageDigest hasher = Digest.newHasher(algorithm);
        try (InputStream in = blobs.openUpload(uploadId)) {
            byte[] buf = new byte[256 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) hasher.update(buf, 0, n);
        }
        return Digest.fromHasher(algorithm, hasher);
    }

    private void discard(String uploadId) {
        try {
            blobs.abortUpload(uploadId);
        } catch (IOException e) {
            log.warn("could not remove upload data {}: {}", uploadId, e.toString());
        }
        meta.deleteUpload(uploadId);
        states.remove(uploadId);
    }

    /** The session must exist and belong to this repository; otherwise it is unknown (no cross-repo probing). */
    private UploadSession session(String repository, String uploadId) {
        Optional<UploadSession> s = meta.findUpload(uploadId);
        if (s.isEmpty() || !s.get().repository().equals(repository)) throw unknown(uploadId);
        return s.get();
    }

    private static RegistryException unknown(String uploadId) {
        return new RegistryException(OciError.BLOB_UPLOAD_UNKNOWN, null, uploadId);
    }

    private static RegistryException outOfOrder(long current) {
        String range = "0-" + Math.max(0, current - 1);
        return new RegistryException(OciError.RANGE_INVALID,
                "chunk is out of order: the upload holds " + current + " bytes", null, Map.of("Range", range));
    }
}
