package dev.wharf.storage.blob;

import static java.nio.file.StandardOpenOption.WRITE;

import dev.wharf.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedGetObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A {@link BlobStore} on an S3 bucket (AWS or any S3-compatible service); see {@link S3Layout} for the keys.
 *
 * <p><b>Uploads.</b> Appended bytes go to a local temp file (the tail, see {@link S3TailCache}); whenever it
 * reaches the part size (5 MiB, S3's minimum, growing for very large uploads) it is stored as a part object.
 * At the end of each append the remaining tail is stored too, and then the upload's state object, which lists
 * the parts and the tail: that write commits the append, so another node can continue the upload. Publishing
 * assembles the parts and the tail into the blob's key server side with one multipart upload (UploadPartCopy),
 * or one CopyObject when there are no full parts; the blob appears whole or not at all.
 *
 * <p>Parts are separate objects, not parts of a multipart upload opened at the first append, because S3 cannot
 * read the parts of an incomplete multipart upload and {@link #openUpload} must be able to (to re-hash).
 *
 * <p><b>Concurrency.</b> Appends and publishes of one upload are serialised within this process by a lock. Across
 * nodes nothing locks while an append streams: two nodes may append to one upload at once, and the commit decides.
 * An append commits by replacing the upload's state only if it still has the revision the append started from
 * ({@link UploadStateStore#replace}, a conditional UPDATE in the shared database on servers), so exactly one of
 * them commits and the other fails with UploadOffsetException; its part and tail objects carry its own revision,
 * overwrite nothing, and go when the upload is published or aborted.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    /** S3's minimum size for every part but the last. */
    static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    /** S3 allows at most 10,000 parts per multipart upload. */
    private static final int MAX_PARTS = 10_000;
    private static final int BUFFER_SIZE = 256 * 1024;

    /**
     * Connection settings; an empty endpoint means AWS itself, empty keys the SDK's default credential chain.
     * {@code redirectExpiry} non-null makes {@link #directUrl} hand out presigned GET URLs valid that long.
     */
    public record Settings(String endpoint, String region, String bucket, String prefix, boolean pathStyle,
            String accessKey, String secretKey, Duration redirectExpiry) {
        /** Settings that serve blobs through Wharf (no presigned redirects). */
        public Settings(String endpoint, String region, String bucket, String prefix, boolean pathStyle,
                String accessKey, String secretKey) {
            this(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, null);
        }

        @Override
        public String toString() {
            return "S3[endpoint=" + (endpoint.isBlank() ? "<aws>" : endpoint) + ", region=" + region + ", bucket="
                    + bucket + ", prefix=" + prefix + ", pathStyle=" + pathStyle + ", accessKey="
                    + (accessKey.isBlank() ? "<default chain>" : accessKey)
                    + (redirectExpiry == null ? "" : ", redirectExpiry=" + redirectExpiry) + "]"; // never the secret key
        }
    }

    private final S3Client s3;
    /** Signs presigned blob URLs; null when this store does not redirect. */
    private final S3Presigner presigner;
    private final Duration redirectExpiry;
    private final String bucket;
    private final S3Objects objects;
    private final S3Layout layout;
    private final S3TailCache tails;
    private final UploadStateStore states;
    private final UploadLocks locks = new UploadLocks();

    /**
     * A store whose upload states live in {@code states}, shared by every node: safe for any number of nodes.
     * Connects lazily (the first request opens a connection; {@link #probe} is that request at start).
     *
     * @param localDir node-local directory for upload tails being appended to
     */
    public static S3BlobStore shared(Settings settings, Path localDir, UploadStateStore states) throws IOException {
        return new S3BlobStore(settings, localDir, Objects.requireNonNull(states, "states"));
    }

    /**
     * A store that keeps upload states as objects in the bucket, for a process that is the only one appending to
     * its uploads, such as {@code wharf migrate} (see {@link ObjectUploadStates}).
     */
    public static S3BlobStore singleWriter(Settings settings, Path localDir) throws IOException {
        return new S3BlobStore(settings, localDir, null);
    }

    /** {@code states} null = {@link ObjectUploadStates} on this store's own bucket. */
    private S3BlobStore(Settings settings, Path localDir, UploadStateStore states) throws IOException {
        this.s3 = S3Clients.client(settings);
        this.presigner = settings.redirectExpiry() == null ? null : S3Clients.presigner(settings);
        this.redirectExpiry = settings.redirectExpiry();
        this.bucket = settings.bucket();
        this.objects = new S3Objects(s3, settings.bucket(), S3Clients.describe(settings));
        this.layout = new S3Layout(settings.prefix());
        this.tails = new S3TailCache(localDir);
        this.states = states != null ? states : new ObjectUploadStates(objects, layout);
    }

    @Override
    public OptionalLong size(Digest digest) throws IOException {
        return objects.head(layout.blob(digest)).map(h -> OptionalLong.of(h.contentLength()))
                .orElse(OptionalLong.empty());
    }

    /** A presigned GET of the blob's key, signed locally (no request to S3), when redirects are on. */
    @Override
    public Optional<URI> directUrl(Digest digest) {
        if (presigner == null) return Optional.empty();
        PresignedGetObjectRequest signed = presigner.presignGetObject(p -> p.signatureDuration(redirectExpiry)
                .getObjectRequest(g -> g.bucket(bucket).key(layout.blob(digest))));
        try {
            return Optional.of(signed.url().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("presigned URL is not a URI: " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(Digest digest, long offset) throws IOException {
        if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
        return objects.open(layout.blob(digest), offset)
                .orElseThrow(() -> new BlobNotFoundException("blob " + digest));
    }

    /** S3 deletes succeed whether or not the key exists, so a HEAD first tells which it was. */
    @Override
    public boolean delete(Digest digest) throws IOException {
        String key = layout.blob(digest);
        if (objects.head(key).isEmpty()) return false;
        objects.delete(key);
        return true;
    }

    @Override
    public Iterator<Digest> list() {
        Iterator<S3Object> keys = objects.list(layout.blobsPrefix());
        return new Iterator<>() {
            private Digest next;

            @Override
            public boolean hasNext() {
                while (next == null && keys.hasNext()) next = layout.digestOf(keys.next().key()).orElse(null);
                return next != null;
            }

            @Override
            public Digest next() {
                if (!hasNext()) throw new NoSuchElementException();
                Digest d = next;
                next = null;
                return d;
            }
        };
    }

    @Override
    public void createUpload(String uploadId) throws IOException {
        S3UploadState empty = S3UploadState.empty();
        if (!states.create(UploadIds.requireValid(uploadId), empty.revision(), empty.toJson())) {
            throw new FileAlreadyExistsException("upload " + uploadId);
        }
    }

    @Override
    public long append(String uploadId, long expectedOffset, InputStream data) throws IOException {
        try (UploadLocks.Held held = locks.lock(uploadId)) {
            S3UploadState state = state(uploadId);
            if (state.size() != expectedOffset) throw new UploadOffsetException(uploadId, expectedOffset, state.size());
            S3UploadState next;
            try {
                Path tail = tails.checkout(uploadId, state,
                        file -> objects.download(layout.uploadTail(uploadId, state.revision()), file));
                next = appendToTail(uploadId, state, tail, data);
                if (next == state) {
                    tails.keep(uploadId, state.revision());
                    return state.size();
                }
                // The commit: only if no other node committed since this append read the state.
                if (!states.replace(uploadId, state.revision(), next.revision(), next.toJson())) {
                    throw new UploadOffsetException(uploadId, expectedOffset, state(uploadId).size());
                }
                tails.keep(uploadId, next.revision());
            } catch (IOException | RuntimeException e) {
                // All or nothing: the state was not replaced, so the upload is as it was. The local tail may hold
                // some of this call's bytes; drop it and download the committed one next time.
                tails.discard(uploadId);
                Optional<IOException> lost = lostToAnotherNode(uploadId, state, expectedOffset);
                if (lost.isPresent()) throw lost.get();
                throw e;
            }
            if (state.tailSize() > 0) {
                try {
                    objects.delete(layout.uploadTail(uploadId, state.revision()));
                } catch (IOException e) {
                    // Unreferenced now; removed with the rest of the upload at publish or abort.
                }
            }
            return next.size();
        }
    }

    /**
     * When an append fails because another node committed first (its tail object, which this append was reading,
     * is deleted after that commit), the client must hear "offset moved" (416), not a storage error. Empty when the
     * upload is still at the revision the append started from, i.e. the failure was this append's own.
     */
    private Optional<IOException> lostToAnotherNode(String uploadId, S3UploadState started, long expectedOffset) {
        try {
            Optional<S3UploadState> now = readState(uploadId);
            if (now.isEmpty()) return Optional.of(new UploadNotFoundException("upload " + uploadId));
            if (now.get().revision().equals(started.revision())) return Optional.empty();
            return Optional.of(new UploadOffsetException(uploadId, expectedOffset, now.get().size()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // storage or database trouble: the original failure says more
        }
    }

    /**
     * Streams {@code data} onto the local tail, storing a part object each time the tail reaches the part size,
     * and stores what remains as the new tail object. Returns the state to commit, or {@code state} itself when
     * {@code data} was empty.
     */
    private S3UploadState appendToTail(String uploadId, S3UploadState state, Path tail, InputStream data)
            throws IOException {
        String revision = S3UploadState.newRevision();
        List<S3UploadState.Part> parts = new ArrayList<>(state.parts());
        long tailSize = state.tailSize();
        long added = 0;
        byte[] buffer = new byte[BUFFER_SIZE];
        try (FileChannel channel = FileChannel.open(tail, WRITE)) {
            channel.position(tailSize);
            while (true) {
                long room = partSize(parts.size()) - tailSize;
                int n = data.readNBytes(buffer, 0, (int) Math.min(buffer.length, room));
                if (n == 0) break;
                ByteBuffer wrapped = ByteBuffer.wrap(buffer, 0, n);
                while (wrapped.hasRemaining()) channel.write(wrapped);
                tailSize += n;
                added += n;
                if (n == room) {
                    if (parts.size() == MAX_PARTS) {
                        throw new IOException("upload " + uploadId + " exceeds S3's limit of " + MAX_PARTS + " parts");
                    }
                    int number = parts.size() + 1;
                    String etag = objects.putFile(layout.uploadPart(uploadId, number, revision), tail);
                    parts.add(new S3UploadState.Part(number, revision, tailSize, etag));
                    channel.truncate(0).position(0);
                    tailSize = 0;
                }
            }
        }
        if (added == 0) return state;
        String tailEtag = tailSize == 0 ? null : objects.putFile(layout.uploadTail(uploadId, revision), tail);
        return state.next(revision, parts, tailSize, tailEtag);
    }

    /**
     * 5 MiB for the first 1,000 parts, doubling every 1,000 parts after that: small uploads stay cheap to resume
     * while S3's 10,000-part limit still allows ~5 TiB (the largest S3 object); capped below the 5 GiB part limit.
     */
    static long partSize(int partsSoFar) {
        return MIN_PART_SIZE << Math.min(partsSoFar / 1000, 9);
    }

    @Override
    public OptionalLong uploadSize(String uploadId) throws IOException {
        return readState(uploadId).map(s -> OptionalLong.of(s.size())).orElse(OptionalLong.empty());
    }

    /** The parts and the tail in order, each object opened only when the reader reaches it. */
    @Override
    public InputStream openUpload(String uploadId) throws IOException {
        S3UploadState state = state(uploadId);
        List<String> keys = new ArrayList<>();
        for (S3UploadState.Part p : state.parts()) keys.add(layout.uploadPart(uploadId, p.number(), p.revision()));
        if (state.tailSize() > 0) keys.add(layout.uploadTail(uploadId, state.revision()));
        Iterator<String> remaining = keys.iterator();
        return new SequenceInputStream(new java.util.Enumeration<>() {
            @Override
            public boolean hasMoreElements() {
                return remaining.hasNext();
            }

            @Override
            public InputStream nextElement() {
                String key = remaining.next();
                try {
                    return objects.open(key, 0).orElseThrow(() -> new UploadNotFoundException(
                            "upload " + uploadId + " (its object " + key + " is gone)"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }

    @Override
    public void publish(String uploadId, Digest digest) throws IOException {
        publish(uploadId, digest, OptionalLong.empty());
    }

    /**
     * Checks the size against the state this publish assembles, so it holds across nodes: an append that commits
     * after the check only deletes the old tail object, which makes the assembly fail, never change its bytes.
     */
    @Override
    public void publish(String uploadId, Digest digest, long expectedSize) throws IOException {
        publish(uploadId, digest, OptionalLong.of(expectedSize));
    }

    private void publish(String uploadId, Digest digest, OptionalLong expectedSize) throws IOException {
        try (UploadLocks.Held held = locks.lock(uploadId)) {
            S3UploadState state = state(uploadId);
            if (expectedSize.isPresent() && state.size() != expectedSize.getAsLong()) {
                throw new UploadOffsetException(uploadId, expectedSize.getAsLong(), state.size());
            }
            String target = layout.blob(digest);
            // Content addressing: an existing key already holds these bytes, so there is nothing to write.
            if (objects.head(target).isEmpty()) {
                List<S3Objects.Source> sources = new ArrayList<>();
                for (S3UploadState.Part p : state.parts()) {
                    sources.add(new S3Objects.Source(layout.uploadPart(uploadId, p.number(), p.revision()), p.etag()));
                }
                S3Objects.Source tail = state.tailSize() == 0 ? null
                        : new S3Objects.Source(layout.uploadTail(uploadId, state.revision()), state.tailEtag());
                if (!sources.isEmpty()) {
                    if (tail != null) sources.add(tail);
                    objects.assemble(sources, target);
                } else if (tail != null) {
                    objects.copy(tail, target);
                } else {
                    objects.putBytes(target, new byte[0], "application/octet-stream");
                }
            }
            removeUpload(uploadId);
        }
    }

    /**
     * One PutObject of the file straight to the blob's key (S3 makes the key appear whole or not at all), instead
     * of staging parts and assembling them. Above PutObject's 5 GiB limit, the staged path of the interface.
     */
    @Override
    public void publishFile(Path file, Digest digest) throws IOException {
        if (java.nio.file.Files.size(file) > MAX_PUT_OBJECT) {
            BlobStore.super.publishFile(file, digest);
            return;
        }
        String target = layout.blob(digest);
        if (objects.head(target).isEmpty()) objects.putFile(target, file);
    }

    /** S3's largest single PutObject. */
    private static final long MAX_PUT_OBJECT = 5L * 1024 * 1024 * 1024;

    /** No upload lock, as on the filesystem: an expiry must not wait for a slow client's append. */
    @Override
    public void abortUpload(String uploadId) throws IOException {
        removeUpload(uploadId);
    }

    /** The state goes first: from then on the upload is gone, even if removing the rest fails. */
    private void removeUpload(String uploadId) throws IOException {
        states.delete(UploadIds.requireValid(uploadId));
        objects.deleteAll(layout.upload(uploadId));
        tails.discard(uploadId);
    }

    /**
     * Uploads whose state was last written before {@code cutoff}; also objects of uploads left without a state
     * (by a crash while removing one, or an append that lost its commit after a publish), aged by their newest
     * object, so expiry cleans those up too.
     */
    @Override
    public Iterator<String> uploadsOlderThan(Instant cutoff) throws IOException {
        Map<String, Instant> stateWritten = states.lastWritten();
        Map<String, Instant> newestObject = new HashMap<>();
        try {
            for (Iterator<S3Object> it = objects.list(layout.uploadsPrefix()); it.hasNext(); ) {
                S3Object o = it.next();
                Optional<String> id = layout.uploadIdOf(o.key());
                if (id.isEmpty()) continue; // not created by this store
                newestObject.merge(id.get(), o.lastModified(), (a, b) -> a.isAfter(b) ? a : b);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        tails.sweep(cutoff);
        List<String> old = new ArrayList<>();
        stateWritten.forEach((id, written) -> {
            if (written.isBefore(cutoff)) old.add(id);
        });
        newestObject.forEach((id, newest) -> {
            if (!stateWritten.containsKey(id) && newest.isBefore(cutoff)) old.add(id);
        });
        return Collections.unmodifiableList(old).iterator();
    }

    @Override
    public void probe() throws IOException {
        String key = layout.newProbe();
        byte[] expected = new byte[64];
        ThreadLocalRandom.current().nextBytes(expected);
        try {
            // A read first, which carries no body: refused credentials then always come back as the endpoint's
            // 403. A PUT refused while its body is still being sent can end as a broken pipe instead, which names
            // no cause (seen under load with S3Proxy).
            if (objects.getBytes(key).isPresent()) throw new IOException("a new probe key already exists");
            objects.putBytes(key, expected, "application/octet-stream");
            byte[] actual = objects.getBytes(key).orElseThrow(() -> new IOException("probe object vanished"));
            if (!Arrays.equals(expected, actual)) throw new IOException("probe object read back different bytes");
            objects.delete(key);
        } catch (IOException | RuntimeException e) {
            throw new IOException("blob storage " + objects.where() + " is not usable: " + e.getMessage(), e);
        }
    }

    @Override
    public String kind() {
        return "s3";
    }

    @Override
    public void close() {
        s3.close();
        if (presigner != null) presigner.close();
    }

    private S3UploadState state(String uploadId) throws IOException {
        return readState(uploadId).orElseThrow(() -> new UploadNotFoundException("upload " + uploadId));
    }

    private Optional<S3UploadState> readState(String uploadId) throws IOException {
        Optional<byte[]> json = states.read(UploadIds.requireValid(uploadId));
        return json.isEmpty() ? Optional.empty() : Optional.of(S3UploadState.fromJson(uploadId, json.get()));
    }
}
