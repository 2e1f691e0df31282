package dev.wharf.storage.blob;

import static dev.wharf.storage.blob.TestStreams.bytes;
import static dev.wharf.storage.blob.TestStreams.deterministic;
import static dev.wharf.storage.blob.TestStreams.drain;
import static dev.wharf.storage.blob.TestStreams.failingAfter;
import static dev.wharf.storage.blob.TestStreams.sha256;
import static dev.wharf.storage.blob.TestStreams.slow;
import static dev.wharf.storage.blob.TestStreams.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.model.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BlobStore} must do, whatever holds the bytes. An implementation's test extends this and
 * supplies {@link #newStore()}; only the public interface is used here, so the suite fits any backend.
 */
public abstract class BlobStoreContract {
    protected BlobStore store;

    /** Local files handed to {@link BlobStore#publishFile}. */
    @org.junit.jupiter.api.io.TempDir
    protected java.nio.file.Path files;

    /** A new, empty store. */
    protected abstract BlobStore newStore() throws Exception;

    /** Releases what {@link #newStore()} created (a bucket, a connection); nothing by default. */
    protected void cleanup() throws Exception {}

    @BeforeEach
    void createStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void cleanupStore() throws Exception {
        cleanup();
    }

    @Test
    void missingBlobHasNoSizeCannotBeOpenedAndIsNotDeleted() throws Exception {
        Digest missing = Digest.sha256(bytes("nothing"));

        assertThat(store.size(missing)).isEmpty();
        assertThatThrownBy(() -> store.open(missing, 0)).isInstanceOf(BlobNotFoundException.class);
        assertThat(store.delete(missing)).isFalse();
    }

    @Test
    void appendsAccumulateAndPublishMakesTheBlobReadable() throws Exception {
        String id = newUploadId();
        store.createUpload(id);
        assertThat(store.uploadSize(id)).hasValue(0);

        assertThat(store.append(id, 0, stream("hello "))).isEqualTo(6);
        assertThat(store.append(id, 6, stream("world"))).isEqualTo(11);
        assertThat(store.uploadSize(id)).hasValue(11);
        assertThat(string(store.openUpload(id))).isEqualTo("hello world");

        Digest digest = Digest.sha256(bytes("hello world"));
        store.publish(id, digest);

        assertThat(store.size(digest)).hasValue(11);
        assertThat(string(store.open(digest, 0))).isEqualTo("hello world");
        assertThat(store.uploadSize(id)).isEmpty();
    }

    @Test
    void deleteRemovesAPublishedBlob() throws Exception {
        Digest digest = publish("short-lived");

        assertThat(store.delete(digest)).isTrue();
        assertThat(store.size(digest)).isEmpty();
        assertThatThrownBy(() -> store.open(digest, 0)).isInstanceOf(BlobNotFoundException.class);
        assertThat(store.delete(digest)).isFalse();
    }

    @Test
    void appendAtTheWrongOffsetIsRejectedAndLeavesTheDataIntact() throws Exception {
        String id = newUploadId();
        store.createUpload(id);
        store.append(id, 0, stream("12345"));

        for (long wrong : new long[] {0, 3, 6, 100}) {
            assertThatThrownBy(() -> store.append(id, wrong, stream("xx")))
                    .isInstanceOfSatisfying(UploadOffsetException.class, e -> assertThat(e.actualSize()).isEqualTo(5));
        }

        assertThat(store.uploadSize(id)).hasValue(5);
        assertThat(string(store.openUpload(id))).isEqualTo("12345");
        assertThat(store.append(id, 5, stream("6"))).isEqualTo(6);
    }

    @Test
    void aFailedAppendLeavesTheUploadAsItWas() throws Exception {
        String id = newUploadId();
        store.createUpload(id);
        store.append(id, 0, stream("kept"));

        assertThatThrownBy(() -> store.append(id, 4, failingAfter(bytes("lost bytes"))))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(UploadOffsetException.class);

        assertThat(store.uploadSize(id)).hasValue(4);
        assertThat(string(store.openUpload(id))).isEqualTo("kept");
    }

    @Test
    void operationsOnAnUnknownUploadFail() throws Exception {
        String id = newUploadId();

        assertThatThrownBy(() -> store.append(id, 0, stream("x"))).isInstanceOf(UploadNotFoundException.class);
        assertThatThrownBy(() -> store.openUpload(id)).isInstanceOf(UploadNotFoundException.class);
        assertThatThrownBy(() -> store.publish(id, Digest.sha256(bytes("x"))))
                .isInstanceOf(UploadNotFoundException.class);
        assertThat(store.uploadSize(id)).isEmpty();
    }

    @Test
    void publishingWithAStaleSizePublishesNothing() throws Exception {
        String id = newUploadId();
        store.createUpload(id);
        store.append(id, 0, stream("verified"));
        Digest verified = Digest.sha256(bytes("verified"));
        // Another node's append lands after the caller hashed 8 bytes.
        store.append(id, 8, stream(" and more"));

        assertThatThrownBy(() -> store.publish(id, verified, 8))
                .isInstanceOfSatisfying(UploadOffsetException.class, e -> assertThat(e.actualSize()).isEqualTo(17));
        assertThat(store.size(verified)).isEmpty();
        assertThat(string(store.openUpload(id))).isEqualTo("verified and more");

        Digest all = Digest.sha256(bytes("verified and more"));
        store.publish(id, all, 17);
        assertThat(string(store.open(all, 0))).isEqualTo("verified and more");
        assertThatThrownBy(() -> store.publish(id, all, 17)).isInstanceOf(UploadNotFoundException.class);
    }

    @Test
    void malformedUploadIdsAreRejected() {
        for (String bad : new String[] {"../x", "..", "a/b", "a\\b", "", "has space", "x".repeat(65)}) {
            assertThatThrownBy(() -> store.createUpload(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.append(bad, 0, stream("x"))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.abortUpload(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void publishingAnAlreadyPublishedDigestKeepsOneCopyAndRemovesTheStagingArea() throws Exception {
        Digest digest = publish("same bytes");
        String second = newUploadId();
        store.createUpload(second);
        store.append(second, 0, stream("same bytes"));

        store.publish(second, digest);

        assertThat(store.uploadSize(second)).isEmpty();
        assertThat(string(store.open(digest, 0))).isEqualTo("same bytes");
        assertThat(drain(store.list())).containsExactly(digest);
    }

    @Test
    void openStartsAtTheGivenOffset() throws Exception {
        Digest digest = publish("0123456789");

        assertThat(string(store.open(digest, 4))).isEqualTo("456789");
        assertThat(string(store.open(digest, 9))).isEqualTo("9");
        assertThat(string(store.open(digest, 10))).isEmpty();
        assertThat(string(store.open(digest, 11))).isEmpty();
        assertThatThrownBy(() -> store.open(digest, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void abortRemovesTheStagingAreaAndIsIdempotent() throws Exception {
        String id = newUploadId();
        store.createUpload(id);
        store.append(id, 0, stream("doomed"));

        store.abortUpload(id);
        store.abortUpload(id);
        store.abortUpload(newUploadId());

        assertThat(store.uploadSize(id)).isEmpty();
        assertThatThrownBy(() -> store.append(id, 6, stream("x"))).isInstanceOf(UploadNotFoundException.class);
        assertThat(drain(store.uploadsOlderThan(Instant.now().plus(Duration.ofDays(1))))).isEmpty();
    }

    @Test
    void listReturnsExactlyThePublishedDigests() throws Exception {
        assertThat(drain(store.list())).isEmpty();
        Digest a = publish("a");
        Digest b = publish("b");
        Digest c = publish("c");
        String pending = newUploadId();
        store.createUpload(pending);
        store.append(pending, 0, stream("not published"));
        store.delete(b);

        assertThat(drain(store.list())).containsExactlyInAnyOrder(a, c);
    }

    @Test
    void uploadsOlderThanListsStagingAreasLastWrittenBeforeTheCutoff() throws Exception {
        String id = newUploadId();
        store.createUpload(id);
        store.append(id, 0, stream("pending"));

        assertThat(drain(store.uploadsOlderThan(Instant.now().plus(Duration.ofMinutes(1))))).containsExactly(id);
        assertThat(drain(store.uploadsOlderThan(Instant.now().minus(Duration.ofHours(1))))).isEmpty();

        store.publish(id, Digest.sha256(bytes("pending")));
        assertThat(drain(store.uploadsOlderThan(Instant.now().plus(Duration.ofMinutes(1))))).isEmpty();
    }

    @Test
    void aHundredMebibyteAppendStreamsThroughIntact() throws Exception {
        long size = 100L * 1024 * 1024;
        String id = newUploadId();
        store.createUpload(id);
        MessageDigest hasher = Digest.newHasher("sha256");

        long written = store.append(id, 0, new DigestInputStream(deterministic(42, size), hasher));
        Digest digest = Digest.fromHasher("sha256", hasher);
        store.publish(id, digest);

        assertThat(written).isEqualTo(size);
        assertThat(store.size(digest)).hasValue(size);
        assertThat(sha256(store.open(digest, 0))).isEqualTo(digest);
    }

    @Test
    void publishFileStoresAVerifiedFileAsTheBlobAndLeavesTheFileToTheCaller() throws Exception {
        long size = 12L * 1024 * 1024 + 3; // more than one S3 part, not a multiple of anything
        java.nio.file.Path file = files.resolve("verified");
        try (java.io.InputStream in = deterministic(7, size)) {
            java.nio.file.Files.copy(in, file);
        }
        Digest digest = sha256(java.nio.file.Files.newInputStream(file));

        store.publishFile(file, digest);

        assertThat(java.nio.file.Files.size(file)).as("the caller's file is still there").isEqualTo(size);
        java.nio.file.Files.delete(file);
        assertThat(store.size(digest)).hasValue(size);
        assertThat(sha256(store.open(digest, 0))).isEqualTo(digest);
        assertThat(drain(store.list())).containsExactly(digest);
        assertThat(drain(store.uploadsOlderThan(Instant.now().plus(Duration.ofMinutes(1)))))
                .as("no staging area left behind").isEmpty();
    }

    @Test
    void publishFileOfAnAlreadyPublishedDigestKeepsTheBlob() throws Exception {
        Digest digest = publish("published once");
        java.nio.file.Path file = files.resolve("again");
        java.nio.file.Files.write(file, bytes("published once"));

        store.publishFile(file, digest);
        java.nio.file.Files.delete(file);

        assertThat(string(store.open(digest, 0))).isEqualTo("published once");
        assertThat(drain(store.list())).containsExactly(digest);
    }

    @Test
    void publishFileOfAMissingFilePublishesNothing() throws Exception {
        Digest digest = Digest.sha256(bytes("never written"));

        assertThatThrownBy(() -> store.publishFile(files.resolve("missing"), digest))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
        assertThat(drain(store.list())).isEmpty();
    }

    @Test
    void sixteenConcurrentPublishesOfOneDigestAllSucceed() throws Exception {
        int threads = 16;
        int size = 512 * 1024;
        Digest digest = sha256(deterministic(7, size));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            String id = newUploadId();
            store.createUpload(id);
            store.append(id, 0, deterministic(7, size));
            ids.add(id);
        }

        CyclicBarrier start = new CyclicBarrier(threads);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> results = new ArrayList<>();
            for (String id : ids) {
                results.add(pool.submit(() -> {
                    start.await();
                    store.publish(id, digest);
                    return null;
                }));
            }
            for (Future<?> result : results) result.get(); // rethrows any failure
        }

        assertThat(store.size(digest)).hasValue(size);
        assertThat(sha256(store.open(digest, 0))).isEqualTo(digest);
        assertThat(drain(store.list())).containsExactly(digest);
        for (String id : ids) assertThat(store.uploadSize(id)).isEmpty();
    }

    @Test
    void racingAppendsAtOneOffsetNeverInterleave() throws Exception {
        String id = newUploadId();
        store.createUpload(id);
        long offset = store.append(id, 0, stream("prefix"));
        int size = 256 * 1024;

        for (int round = 0; round < 3; round++) {
            long at = offset;
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<Long>> results = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                for (byte fill : new byte[] {'A', 'B'}) {
                    results.add(pool.submit(() -> {
                        start.await();
                        return store.append(id, at, slow(fill, size));
                    }));
                }
            }

            int succeeded = 0;
            for (Future<Long> result : results) {
                try {
                    assertThat(result.get()).isEqualTo(at + size);
                    succeeded++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOfSatisfying(UploadOffsetException.class,
                            u -> assertThat(u.actualSize()).isEqualTo(at + size));
                }
            }
            assertThat(succeeded).as("round %d", round).isEqualTo(1);
            offset = at + size;
        }

        assertThat(store.uploadSize(id)).hasValue(offset);
        byte[] content = store.openUpload(id).readAllBytes();
        assertThat(new String(content, 0, 6)).isEqualTo("prefix");
        for (int round = 0; round < 3; round++) {
            int from = 6 + round * size;
            byte first = content[from];
            assertThat(first).isIn((byte) 'A', (byte) 'B');
            for (int i = from; i < from + size; i++) {
                if (content[i] != first) throw new AssertionError("round " + round + " interleaved at byte " + i);
            }
        }
    }

    @Test
    void probeSucceedsOnWorkingStorage() throws Exception {
        store.probe();
        assertThat(store.kind()).isNotBlank();
    }

    /** Stages and publishes {@code content}, returning its digest. */
    protected Digest publish(String content) throws IOException {
        String id = newUploadId();
        store.createUpload(id);
        store.append(id, 0, stream(content));
        Digest digest = Digest.sha256(bytes(content));
        store.publish(id, digest);
        return digest;
    }

    protected static String newUploadId() {
        return UUID.randomUUID().toString();
    }

    protected static ByteArrayInputStream stream(String content) {
        return new ByteArrayInputStream(bytes(content));
    }
}
