package dev.wharf.storage.blob;

import static dev.wharf.storage.blob.TestStreams.bytes;
import static dev.wharf.storage.blob.TestStreams.deterministic;
import static dev.wharf.storage.blob.TestStreams.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.app.SqlUploadStates;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The contract against a real S3 endpoint (S3Proxy in a child JVM), plus what only an object store needs. Nodes
 * share upload states through a database, as servers do; {@link SingleWriterS3BlobStoreTest} runs the same with
 * the states in the bucket.
 */
class S3BlobStoreTest extends BlobStoreContract {
    private static final String BUCKET = "wharf-blobs";
    private static final int MIB = 1024 * 1024;

    @TempDir
    static Path shared;
    private static S3Proxy proxy;
    private static S3Client raw;

    @TempDir
    Path local;
    /** Each test works under its own prefix, so tests see an empty store without a bucket each. */
    private String prefix;
    private final List<S3BlobStore> opened = new ArrayList<>();
    private Database database;

    @BeforeAll
    static void startS3() throws Exception {
        proxy = S3Proxy.start(shared, BUCKET);
        raw = proxy.client();
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (raw != null) raw.close();
        if (proxy != null) proxy.close();
    }

    @Override
    protected BlobStore newStore() throws IOException {
        prefix = "t-" + UUID.randomUUID() + "/";
        return node("a");
    }

    /**
     * Another Wharf node on the same bucket and prefix: its own client, lock table and local tail directory; the
     * same upload-state table.
     */
    private S3BlobStore node(String name) throws IOException {
        S3BlobStore s = open(proxy.settings(BUCKET, prefix), local.resolve("node-" + name));
        opened.add(s);
        return s;
    }

    protected S3BlobStore open(S3BlobStore.Settings settings, Path tails) throws IOException {
        if (database == null) database = Database.open("jdbc:sqlite:" + local.resolve("states.db"), null, null, 4, null);
        return S3BlobStore.shared(settings, tails, new SqlUploadStates(database, Clock.systemUTC()));
    }

    /** What a new, empty upload leaves in the bucket: nothing, its state is in the database. */
    protected List<String> keysOfANewUpload(String keyPrefix, String uploadId) {
        return List.of();
    }

    @Override
    protected void cleanup() {
        opened.forEach(S3BlobStore::close);
        if (database != null) database.close();
    }

    @Test
    void kindIsS3AndBlobsLiveUnderThePrefixAlgorithmAndShard() throws Exception {
        Digest digest = publish("layered");

        assertThat(store.kind()).isEqualTo("s3");
        assertThat(store.directUrl(digest)).as("no redirects unless configured").isEmpty();
        String key = prefix + "blobs/sha256/" + digest.hex().substring(0, 2) + "/" + digest.hex();
        assertThat(raw.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asUtf8String()).isEqualTo("layered");
    }

    @Test
    void twentyMebibytesInThreeMebibyteChunksCrossPartsAndPublishIntact() throws Exception {
        long size = 20L * MIB;
        String id = newUploadId();
        store.createUpload(id);
        InputStream all = deterministic(9, size);
        long offset = 0;
        while (offset < size) {
            int chunk = (int) Math.min(3 * MIB, size - offset);
            offset = store.append(id, offset, new java.io.ByteArrayInputStream(all.readNBytes(chunk)));
        }
        assertThat(offset).isEqualTo(size);
        assertThat(keysUnder(prefix + "uploads/" + id + "/")).filteredOn(k -> k.contains("/part-")).hasSize(4);

        Digest digest = sha256(deterministic(9, size));
        assertThat(sha256(store.openUpload(id))).as("re-hash reads parts and tail").isEqualTo(digest);
        store.publish(id, digest);

        assertThat(store.size(digest)).hasValue(size);
        assertThat(sha256(store.open(digest, 0))).isEqualTo(digest);
        assertThat(sha256(store.open(digest, 7L * MIB))).isEqualTo(sha256(skip(deterministic(9, size), 7L * MIB)));
        assertThat(keysUnder(prefix + "uploads/")).isEmpty();
    }

    @Test
    void anUploadContinuesOnAnotherNodeAndBack() throws Exception {
        S3BlobStore a = (S3BlobStore) store;
        S3BlobStore b = node("b");
        long size = 13L * MIB;
        String id = newUploadId();
        a.createUpload(id);

        assertThat(a.append(id, 0, slice(0, 7L * MIB))).isEqualTo(7L * MIB); // one part plus a 2 MiB tail on a
        assertThat(b.uploadSize(id)).hasValue(7L * MIB);
        assertThat(b.append(id, 7L * MIB, slice(7L * MIB, 4L * MIB))).isEqualTo(11L * MIB); // b fetches the tail
        // a's local tail is now stale: it must notice and fetch b's.
        assertThat(a.append(id, 11L * MIB, slice(11L * MIB, 2L * MIB))).isEqualTo(size);
        assertThatThrownBy(() -> b.append(id, 11L * MIB, slice(0, 1)))
                .isInstanceOfSatisfying(UploadOffsetException.class, e -> assertThat(e.actualSize()).isEqualTo(size));

        Digest digest = sha256(deterministic(3, size));
        b.publish(id, digest);
        assertThat(sha256(a.open(digest, 0))).isEqualTo(digest);
        assertThat(a.uploadSize(id)).isEmpty();
    }

    /**
     * Across nodes there is no lock, but an append that commits after another append to the same upload began
     * and committed fails instead of overwriting it (the check before the commit). Made deterministic here: b's
     * body is held until a's append has committed.
     */
    @Test
    void anAppendOnAnotherNodeThatLostTheRaceFailsWithTheCurrentSize() throws Exception {
        S3BlobStore a = (S3BlobStore) store;
        S3BlobStore b = node("b");
        String id = newUploadId();
        a.createUpload(id);
        CountDownLatch bReading = new CountDownLatch(1);
        CountDownLatch aCommitted = new CountDownLatch(1);
        InputStream heldBody = new SequenceInputStream(stream("BBBB"), new InputStream() {
            @Override
            public int read() throws IOException {
                bReading.countDown();
                try {
                    aCommitted.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                return -1;
            }
        });

        CompletableFuture<Long> bAppend = CompletableFuture.supplyAsync(() -> {
            try {
                return b.append(id, 0, heldBody);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        bReading.await();
        assertThat(a.append(id, 0, stream("AAAAAA"))).isEqualTo(6);
        aCommitted.countDown();

        assertThatThrownBy(bAppend::join).cause().cause()
                .isInstanceOfSatisfying(UploadOffsetException.class, e -> assertThat(e.actualSize()).isEqualTo(6));
        assertThat(TestStreams.string(b.openUpload(id))).isEqualTo("AAAAAA");
        assertThat(b.append(id, 6, stream("BB"))).isEqualTo(8);
        assertThat(TestStreams.string(a.openUpload(id))).isEqualTo("AAAAAABB");
    }

    @Test
    void creatingAnExistingUploadFailsAndBadIdsNeverReachTheBucket() throws Exception {
        String id = newUploadId();
        store.createUpload(id);

        assertThatThrownBy(() -> store.createUpload(id)).isInstanceOf(FileAlreadyExistsException.class);
        assertThatThrownBy(() -> store.uploadSize("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.openUpload("a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(keysUnder(prefix)).containsExactlyElementsOf(keysOfANewUpload(prefix, id));
    }

    @Test
    void abortAndProbeLeaveNothingBehind() throws Exception {
        String id = newUploadId();
        store.createUpload(id);
        store.append(id, 0, deterministic(5, 6L * MIB));
        store.abortUpload(id);
        store.probe();

        assertThat(keysUnder(prefix)).isEmpty();
    }

    @Test
    void listSkipsKeysThatAreNotBlobs() throws Exception {
        Digest digest = publish("real");
        Digest misplaced = Digest.sha256(bytes("misplaced"));
        for (String stray : List.of("blobs/README", "blobs/sha256/zz/not-a-digest", "blobs/sha256/zz/" + misplaced.hex())) {
            raw.putObject(b -> b.bucket(BUCKET).key(prefix + stray),
                    software.amazon.awssdk.core.sync.RequestBody.fromString("stray"));
        }

        assertThat(TestStreams.drain(store.list())).containsExactly(digest);
    }

    @Test
    void probeWithWrongCredentialsNamesTheBucketAndEndpoint() throws Exception {
        S3BlobStore.Settings good = proxy.settings(BUCKET, prefix);
        S3BlobStore.Settings wrong = new S3BlobStore.Settings(good.endpoint(), good.region(), good.bucket(),
                good.prefix(), true, good.accessKey(), "not-the-secret");
        try (S3BlobStore s = open(wrong, local.resolve("wrong"))) {
            assertThatThrownBy(s::probe).isInstanceOf(IOException.class)
                    .hasMessageContaining("bucket '" + BUCKET + "'").hasMessageContaining(proxy.endpoint())
                    .hasMessageContaining("403");
        }
        assertThat(wrong.toString()).doesNotContain("not-the-secret");
    }

    @Test
    void partSizeStartsAtFiveMebibytesAndGrowsForHugeUploads() {
        assertThat(S3BlobStore.partSize(0)).isEqualTo(5L * MIB);
        assertThat(S3BlobStore.partSize(999)).isEqualTo(5L * MIB);
        assertThat(S3BlobStore.partSize(1000)).isEqualTo(10L * MIB);
        assertThat(S3BlobStore.partSize(9999)).isLessThanOrEqualTo(5L * 1024 * MIB);
    }

    private static InputStream slice(long from, long length) throws IOException {
        return new java.io.ByteArrayInputStream(skip(deterministic(3, from + length), from).readAllBytes());
    }

    private static InputStream skip(InputStream in, long n) throws IOException {
        in.skipNBytes(n);
        return in;
    }

    /** Object keys under a prefix, without the directory entries that S3Proxy's filesystem backend lists. */
    private static List<String> keysUnder(String keyPrefix) {
        return raw.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(keyPrefix)).contents().stream()
                .map(S3Object::key).filter(k -> !k.endsWith("/")).toList();
    }
}
