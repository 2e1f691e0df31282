package dev.wharf.storage.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The S3 calls the blob store makes, on one bucket, with the SDK's unchecked exceptions turned into IOExceptions
 * that name the key and the bucket: callers of a {@link BlobStore} handle IOException, and an operator reading
 * the log needs to know which bucket failed. "Not found" is answered with an empty result, not an exception.
 */
final class S3Objects {
    /** A byte source for {@link #assemble}: an existing object and the ETag it must still have. */
    record Source(String key, String etag) {}

    /** Deletes in flight at once when removing an upload's objects. */
    private static final int PARALLEL_DELETES = 16;

    private final S3Client s3;
    private final String bucket;
    private final String where;

    S3Objects(S3Client s3, String bucket, String where) {
        this.s3 = s3;
        this.bucket = bucket;
        this.where = where;
    }

    /** "bucket 'x' at http://host:9000", for messages. */
    String where() {
        return where;
    }

    Optional<HeadObjectResponse> head(String key) throws IOException {
        try {
            return Optional.of(s3.headObject(b -> b.bucket(bucket).key(key)));
        } catch (SdkException e) {
            if (isNotFound(e)) return Optional.empty();
            throw failure("HEAD", key, e);
        }
    }

    Optional<byte[]> getBytes(String key) throws IOException {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
        } catch (SdkException e) {
            if (isNotFound(e)) return Optional.empty();
            throw failure("GET", key, e);
        }
    }

    /**
     * Streams an object from {@code offset} (0 = whole object) without buffering it; empty when the key does not
     * exist. An offset at or past the end yields an empty stream, as S3 answers such a range with 416.
     */
    Optional<InputStream> open(String key, long offset) throws IOException {
        try {
            return Optional.of(s3.getObject(b -> {
                b.bucket(bucket).key(key);
                if (offset > 0) b.range("bytes=" + offset + "-");
            }));
        } catch (SdkException e) {
            if (isNotFound(e)) return Optional.empty();
            if (e instanceof S3Exception s && s.statusCode() == 416) return Optional.of(InputStream.nullInputStream());
            throw failure("GET", key, e);
        }
    }

    /** Downloads an object into {@code file} (which must not exist); throws when the object is missing. */
    void download(String key, Path file) throws IOException {
        try {
            s3.getObject(b -> b.bucket(bucket).key(key), ResponseTransformer.toFile(file));
        } catch (SdkException e) {
            Files.deleteIfExists(file);
            throw failure("GET", key, e);
        }
    }

    /** Uploads a whole file; returns the new object's ETag. */
    String putFile(String key, Path file) throws IOException {
        try {
            return s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(file)).eTag();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (SdkException e) {
            throw failure("PUT", key, e);
        }
    }

    String putBytes(String key, byte[] bytes, String contentType) throws IOException {
        try {
            return s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType), RequestBody.fromBytes(bytes))
                    .eTag();
        } catch (SdkException e) {
            throw failure("PUT", key, e);
        }
    }

    /** Server-side copy of an object that must still have {@code source.etag()}. */
    void copy(Source source, String target) throws IOException {
        try {
            s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(source.key()).copySourceIfMatch(source.etag())
                    .destinationBucket(bucket).destinationKey(target));
        } catch (SdkException e) {
            throw failure("COPY " + source.key() + " to", target, e);
        }
    }

    /**
     * Writes {@code target} as the concatenation of {@code sources}, server side, with one S3 multipart upload:
     * each source becomes a part by UploadPartCopy, so no byte passes through this node, and the target appears
     * whole or not at all when the upload completes. Every source but the last must be at least 5 MiB (S3's
     * minimum part size) and none more than 5 GiB.
     */
    void assemble(List<Source> sources, String target) throws IOException {
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(target)).uploadId();
        } catch (SdkException e) {
            throw failure("CreateMultipartUpload", target, e);
        }
        try {
            List<CompletedPart> parts = new ArrayList<>();
            for (int i = 0; i < sources.size(); i++) {
                Source source = sources.get(i);
                int number = i + 1;
                String etag = s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(source.key())
                        .copySourceIfMatch(source.etag()).destinationBucket(bucket).destinationKey(target)
                        .uploadId(uploadId).partNumber(number)).copyPartResult().eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(target).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
        } catch (SdkException e) {
            IOException failure = failure("multipart upload of", target, e);
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(target).uploadId(uploadId));
            } catch (SdkException abort) {
                failure.addSuppressed(abort); // a bucket lifecycle rule removes the incomplete upload later
            }
            throw failure;
        }
    }

    void delete(String key) throws IOException {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw failure("DELETE", key, e);
        }
    }

    /**
     * Deletes every object under {@code prefix}, up to {@link #PARALLEL_DELETES} at a time. One DELETE per key
     * rather than DeleteObjects: the SDK always sends a CRC checksum header with DeleteObjects, which several
     * S3-compatible services (S3Proxy among them) reject with 501.
     */
    void deleteAll(String prefix) throws IOException {
        List<Future<?>> pending = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Semaphore slots = new Semaphore(PARALLEL_DELETES);
            for (Iterator<S3Object> it = list(prefix); it.hasNext(); ) {
                String key = it.next().key();
                slots.acquire();
                pending.add(pool.submit(() -> {
                    try {
                        delete(key);
                    } finally {
                        slots.release();
                    }
                    return null;
                }));
            }
            for (Future<?> f : pending) f.get();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException("deleting objects under " + prefix + " on " + where + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while deleting objects under " + prefix);
        }
    }

    /** Objects under {@code prefix}, fetched a page at a time as the iteration reaches them. */
    Iterator<S3Object> list(String prefix) {
        Iterator<S3Object> pages = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()
                .iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                try {
                    return pages.hasNext();
                } catch (SdkException e) {
                    throw new UncheckedIOException(failure("LIST", prefix, e));
                }
            }

            @Override
            public S3Object next() {
                try {
                    return pages.next();
                } catch (SdkException e) {
                    throw new UncheckedIOException(failure("LIST", prefix, e));
                }
            }
        };
    }

    private IOException failure(String operation, String key, SdkException e) {
        return new IOException("S3 " + operation + " " + key + " failed on " + where + ": " + e.getMessage(), e);
    }

    private static boolean isNotFound(SdkException e) {
        return e instanceof S3Exception s && s.statusCode() == 404;
    }
}
