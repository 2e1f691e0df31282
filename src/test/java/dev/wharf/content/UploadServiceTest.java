package dev.wharf.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.model.Digest;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.blob.InMemoryBlobStore;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.SqlMetadataStore;
import dev.wharf.testing.MutableClock;
import java.io.ByteArrayInputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadServiceTest {
    @TempDir Path dir;
    InMemoryBlobStore blobs = new InMemoryBlobStore();
    SqlMetadataStore meta;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    UploadService uploads;

    @BeforeEach
    void open() {
        meta = new SqlMetadataStore(Database.open("jdbc:sqlite:" + dir.resolve("m.db"), null, null, 4, null));
        uploads = new UploadService(blobs, meta, clock);
    }

    @AfterEach
    void close() {
        meta.close();
    }

    @Test
    void idleSessionsExpireWithTheirData() throws Exception {
        String stale = uploads.start("team/app");
        uploads.append("team/app", stale, 0L, stream("partial"));
        clock.advance(Duration.ofHours(2));
        String fresh = uploads.start("team/app");

        assertThat(uploads.expireIdle(Duration.ofHours(1))).isEqualTo(1);
        assertThat(meta.findUpload(stale)).isEmpty();
        assertThat(blobs.uploadSize(stale)).isEmpty();
        assertThat(meta.findUpload(fresh)).isPresent();
        assertThatThrownBy(() -> uploads.size("team/app", stale)).isInstanceOf(RegistryException.class)
                .extracting(e -> ((RegistryException) e).error()).isEqualTo(OciError.BLOB_UPLOAD_UNKNOWN);
    }

    @Test
    void anotherNodeCanFinishAnUploadByRehashing() {
        byte[] a = "first half, ".getBytes(StandardCharsets.UTF_8);
        byte[] b = "second half".getBytes(StandardCharsets.UTF_8);
        String id = uploads.start("team/app");
        uploads.append("team/app", id, 0L, new ByteArrayInputStream(a));
        // A second service instance has no running hash for this upload, like another node or a restart.
        UploadService other = new UploadService(blobs, meta, clock);
        other.append("team/app", id, (long) a.length, new ByteArrayInputStream(b));
        Digest expected = Digest.sha256((new String(a) + new String(b)).getBytes(StandardCharsets.UTF_8));
        assertThat(other.complete("team/app", id, expected, null, null)).isEqualTo(a.length + b.length);
        assertThat(meta.linkedBlobSize("team/app", expected)).hasValue(a.length + b.length);
    }

    @Test
    void aNodeThatTakesTheFirstChunkHashesItAndNeedsNoRehash() {
        AtomicInteger reads = new AtomicInteger();
        BlobStore counting = (BlobStore) Proxy.newProxyInstance(BlobStore.class.getClassLoader(),
                new Class<?>[] {BlobStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("openUpload")) reads.incrementAndGet();
                    try {
                        return method.invoke(blobs, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        byte[] content = "the whole layer in one PATCH".getBytes(StandardCharsets.UTF_8);
        String id = new UploadService(counting, meta, clock).start("team/app");
        // PATCH and PUT on another node than the POST, as behind a load balancer with upload affinity.
        UploadService other = new UploadService(counting, meta, clock);
        other.append("team/app", id, 0L, new ByteArrayInputStream(content));

        assertThat(other.complete("team/app", id, Digest.sha256(content), null, null)).isEqualTo(content.length);
        assertThat(reads).as("uploads read back to re-hash").hasValue(0);
    }

    @Test
    void digestMismatchDiscardsEverything() throws Exception {
        String id = uploads.start("team/app");
        uploads.append("team/app", id, 0L, stream("content"));
        Digest wrong = Digest.sha256("other".getBytes());
        assertThatThrownBy(() -> uploads.complete("team/app", id, wrong, null, null))
                .isInstanceOf(RegistryException.class);
        assertThat(blobs.uploadSize(id)).isEmpty();
        assertThat(blobs.size(wrong)).isEmpty();
        assertThat(blobs.size(Digest.sha256("content".getBytes()))).isEmpty();
        assertThat(meta.findUpload(id)).isEmpty();
    }

    @Test
    void aVerifiedFileIsStoredAndLinkedWithoutAnUpload() throws Exception {
        java.util.List<String> calls = new java.util.ArrayList<>();
        BlobStore recording = (BlobStore) Proxy.newProxyInstance(BlobStore.class.getClassLoader(),
                new Class<?>[] {BlobStore.class}, (proxy, method, args) -> {
                    calls.add(method.getName());
                    try {
                        return method.invoke(blobs, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Path file = dir.resolve("download");
        java.nio.file.Files.writeString(file, "mirrored layer");
        Digest digest = Digest.sha256("mirrored layer".getBytes(StandardCharsets.UTF_8));

        long size = new UploadService(recording, meta, clock).storeVerified("hub/library/alpine", digest, file);

        assertThat(size).isEqualTo(14);
        assertThat(meta.linkedBlobSize("hub/library/alpine", digest)).hasValue(14);
        assertThat(blobs.size(digest)).hasValue(14);
        assertThat(calls).as("handed to the store as a file, not re-read through an upload")
                .contains("publishFile").doesNotContain("createUpload", "openUpload");
    }

    @Test
    void aVerifiedFileOverTheQuotaIsNeitherStoredNorLinked() throws Exception {
        QuotaGuard full = new QuotaGuard() {
            @Override
            public void beforeBlob(String repository, Digest digest, long size) {
                throw new RegistryException(OciError.DENIED, "over quota", null);
            }

            @Override
            public void beforeManifest(String repository, java.util.Collection<Digest> blobs) {}
        };
        Path file = dir.resolve("download");
        java.nio.file.Files.writeString(file, "too much");
        Digest digest = Digest.sha256("too much".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> new UploadService(blobs, meta, clock, full).storeVerified("team/app", digest, file))
                .isInstanceOf(RegistryException.class);
        assertThat(blobs.size(digest)).isEmpty();
        assertThat(meta.linkedBlobSize("team/app", digest)).isEmpty();
    }

    private static ByteArrayInputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
