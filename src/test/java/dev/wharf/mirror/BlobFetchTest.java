package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.model.Digest;
import dev.wharf.storage.StorageFailure;
import dev.wharf.upstream.OutboundResponse;
import dev.wharf.upstream.UpstreamClient;
import dev.wharf.upstream.UpstreamException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobFetchTest {
    @TempDir
    Path dir;

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void readersGetTheWholeBlobAndTheVerifiedFileIsPublished() throws Exception {
        byte[] content = bytes(1_000_000, 1);
        Digest digest = Digest.sha256(content);
        BlobFetch fetch = new BlobFetch(digest, dir.resolve("f"), Duration.ofSeconds(30));
        AtomicReference<byte[]> published = new AtomicReference<>();
        AtomicLong counted = new AtomicLong();
        fetch.run(() -> streamed(new ByteArrayInputStream(content), content.length),
                file -> published.set(Files.readAllBytes(file)), counted::addAndGet);
        fetch.awaitStarted(Duration.ofSeconds(1));
        assertThat(fetch.size()).isEqualTo(content.length);
        try (InputStream in = fetch.open().orElseThrow()) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        assertThat(published.get()).isEqualTo(content);
        assertThat(counted.get()).isEqualTo(content.length);
        fetch.finish();
        assertThat(dir.resolve("f")).doesNotExist();
    }

    @Test
    void aClientArrivingAfterTheDownloadEndedIsSentToStorageNotRefused() throws Exception {
        byte[] content = bytes(5_000, 11);
        BlobFetch fetch = new BlobFetch(Digest.sha256(content), dir.resolve("f"), Duration.ofSeconds(30));
        fetch.run(() -> streamed(new ByteArrayInputStream(content), content.length), file -> { }, n -> { });
        // The download stored the blob and left before this client opened it (a small blob, a fast upstream).
        fetch.finish();
        assertThat(fetch.open()).isEmpty();
    }

    @Test
    void aClientArrivingAfterAFailedDownloadGetsItsError() throws Exception {
        byte[] content = bytes(5_000, 12);
        BlobFetch broken = new BlobFetch(Digest.sha256(content), dir.resolve("g"), Duration.ofSeconds(30));
        broken.run(() -> streamed(new ByteArrayInputStream(content, 0, 10), content.length), file -> { }, n -> { });
        broken.finish();
        assertThatThrownBy(broken::open).isInstanceOf(IOException.class).hasMessageContaining("bytes");
        BlobFetch unstored = new BlobFetch(Digest.sha256(content), dir.resolve("h"), Duration.ofSeconds(30));
        assertThatThrownBy(() -> unstored.run(() -> streamed(new ByteArrayInputStream(content), content.length),
                file -> {
                    throw new IOException("disk full");
                }, n -> { })).isInstanceOf(IllegalStateException.class);
        unstored.finish();
        assertThatThrownBy(unstored::open).isInstanceOf(IOException.class).hasMessageContaining("storing");
    }

    @Test
    void theLastByteWaitsForTheDigestCheckAndWrongBytesAreNeverPublished() throws Exception {
        byte[] content = bytes(300_000, 2);
        byte[] served = content.clone();
        served[served.length - 1] ^= 1; // the upstream sends other bytes than the digest names
        BlobFetch fetch = new BlobFetch(Digest.sha256(content), dir.resolve("f"), Duration.ofSeconds(30));
        PipedOutputStream upstream = new PipedOutputStream();
        PipedInputStream body = new PipedInputStream(upstream, 1 << 20);
        AtomicReference<Path> published = new AtomicReference<>();
        CompletableFuture<Void> download = CompletableFuture.runAsync(() -> fetch.run(
                () -> streamed(body, served.length), published::set, n -> { }));
        upstream.write(served, 0, served.length - 1);
        upstream.flush();
        fetch.awaitStarted(Duration.ofSeconds(10));
        InputStream reader = fetch.open().orElseThrow();
        assertThat(reader.readNBytes(served.length - 2)).isEqualTo(java.util.Arrays.copyOf(served, served.length - 2));
        // All but the last byte of what arrived so far is readable; the reader now waits for more.
        upstream.write(served, served.length - 1, 1);
        upstream.close();
        download.get(10, TimeUnit.SECONDS);
        assertThatThrownBy(reader::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("hash to");
        reader.close();
        assertThat(published.get()).isNull();
        assertThat(fetch.failed()).isTrue();
    }

    @Test
    void bytesThatTrickleInWithoutAPauseReachReadersBeforeTheirBatchFills() throws Exception {
        // An upstream that sends a little every millisecond: the download never finds the network empty (no
        // pause), and 5,000 bytes never fill a batch, so only the batch's age can hand them on before the end.
        byte[] content = bytes(10_000, 13);
        BlobFetch fetch = new BlobFetch(Digest.sha256(content), dir.resolve("f"), Duration.ofSeconds(30));
        java.util.concurrent.CountDownLatch readerSawBytes = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean sawBeforeTheRest = new java.util.concurrent.atomic.AtomicBoolean();
        UpstreamClient.Blob trickle = new UpstreamClient.Blob() {
            @Override
            public long length() {
                return content.length;
            }

            @Override
            public void readTo(OutboundResponse.BodySink sink) throws IOException {
                for (int i = 0; i < 50; i++) {
                    sink.accept(ByteBuffer.wrap(content, i * 100, 100));
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
                try {
                    sawBeforeTheRest.set(readerSawBytes.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                sink.accept(ByteBuffer.wrap(content, 5_000, content.length - 5_000));
            }

            @Override
            public void close() {}
        };
        CompletableFuture<Void> download = CompletableFuture.runAsync(
                () -> fetch.run(() -> trickle, file -> { }, n -> { }));
        fetch.awaitStarted(Duration.ofSeconds(10));
        try (BlobFetch.Reader reader = (BlobFetch.Reader) fetch.open().orElseThrow()) {
            assertThat(reader.readable(0, Duration.ofSeconds(10))).isPositive();
            readerSawBytes.countDown();
            download.get(20, TimeUnit.SECONDS);
            assertThat(sawBeforeTheRest).as("the reader had bytes while the upstream was still sending").isTrue();
            assertThat(reader.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void anUpstreamThatBreaksMidStreamFailsEveryReaderAndPublishesNothing() throws Exception {
        byte[] content = bytes(200_000, 3);
        BlobFetch fetch = new BlobFetch(Digest.sha256(content), dir.resolve("f"), Duration.ofSeconds(30));
        InputStream broken = new InputStream() {
            private int sent;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (sent >= 50_000) throw new IOException("connection reset");
                int n = Math.min(len, 50_000 - sent);
                System.arraycopy(content, sent, b, off, n);
                sent += n;
                return n;
            }
        };
        AtomicReference<Path> published = new AtomicReference<>();
        fetch.run(() -> streamed(broken, content.length), published::set, n -> { });
        assertThat(published.get()).isNull();
        try (InputStream in = fetch.open().orElseThrow()) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class)
                    .hasMessageContaining("broke after 50000 bytes");
        }
    }

    @Test
    void aFullDiskIsThisNodesFailureNotTheUpstreams() throws Exception {
        byte[] content = bytes(100_000, 6);
        BlobFetch fetch = new BlobFetch(Digest.sha256(content), dir.resolve("f"), Duration.ofSeconds(30));
        AtomicReference<Path> published = new AtomicReference<>();
        // What FileChannel.write throws on ENOSPC, raised where the tee writes the file.
        fetch.run(() -> new UpstreamClient.Blob() {
            @Override
            public long length() {
                return content.length;
            }

            @Override
            public void readTo(OutboundResponse.BodySink sink) throws IOException {
                sink.accept(ByteBuffer.wrap(content, 0, 1000));
                throw new IOException("No space left on device");
            }

            @Override
            public void close() {}
        }, published::set, n -> { });
        assertThat(published.get()).isNull();
        try (InputStream in = fetch.open().orElseThrow()) {
            assertThatThrownBy(in::readAllBytes).isInstanceOfSatisfying(IOException.class, e ->
                    assertThat(StorageFailure.diagnose(e)).hasValueSatisfying(d ->
                            assertThat(d.kind()).isEqualTo(StorageFailure.Kind.FULL)))
                    .hasMessageContaining("storage is full").hasMessageNotContaining("upstream");
        }
        // A client joining now hears the same, not an upstream error.
        assertThatThrownBy(() -> fetch.awaitStarted(Duration.ofSeconds(1)))
                .isInstanceOf(java.io.UncheckedIOException.class)
                .satisfies(e -> assertThat(StorageFailure.diagnose(e)).isPresent());
    }

    /** storage.reserve_bytes reached: refused as a full disk before the upstream is even asked for the bytes. */
    @Test
    void aReachedReserveIsAFullDiskAndTheUpstreamIsNotAsked() throws Exception {
        BlobFetch fetch = new BlobFetch(Digest.sha256(new byte[1]), dir.resolve("f"), Duration.ofSeconds(30),
                dev.wharf.storage.DiskReserve.of(dir, Long.MAX_VALUE / 2));
        java.util.concurrent.atomic.AtomicBoolean asked = new java.util.concurrent.atomic.AtomicBoolean();
        fetch.run(() -> {
            asked.set(true);
            throw new UpstreamException(UpstreamException.Reason.NOT_FOUND, "not reached");
        }, file -> { }, n -> { });
        assertThat(asked).isFalse();
        assertThatThrownBy(() -> fetch.awaitStarted(Duration.ofSeconds(1)))
                .isInstanceOf(java.io.UncheckedIOException.class)
                .satisfies(e -> assertThat(StorageFailure.diagnose(e)).hasValueSatisfying(d -> {
                    assertThat(d.kind()).isEqualTo(StorageFailure.Kind.FULL);
                    assertThat(d.message()).contains("kept for the database");
                }));
    }

    @Test
    void aShortBodyIsABrokenDownload() throws Exception {
        byte[] content = bytes(100_000, 4);
        BlobFetch fetch = new BlobFetch(Digest.sha256(content), dir.resolve("f"), Duration.ofSeconds(30));
        AtomicReference<Path> published = new AtomicReference<>();
        fetch.run(() -> streamed(new ByteArrayInputStream(content, 0, 60_000), content.length),
                published::set, n -> { });
        assertThat(published.get()).isNull();
        assertThat(fetch.failed()).isTrue();
    }

    @Test
    void anUpstreamRefusalReachesTheWaitingClient() {
        BlobFetch fetch = new BlobFetch(Digest.sha256(new byte[1]), dir.resolve("f"), Duration.ofSeconds(30));
        fetch.run(() -> {
            throw new UpstreamException(UpstreamException.Reason.NOT_FOUND, "blob sha256:x not found");
        }, file -> { }, n -> { });
        assertThatThrownBy(() -> fetch.awaitStarted(Duration.ofSeconds(1))).isInstanceOfSatisfying(
                UpstreamException.class, e -> assertThat(e.reason()).isEqualTo(UpstreamException.Reason.NOT_FOUND));
    }

    @Test
    void aStalledUpstreamIsCutOff() throws Exception {
        byte[] content = bytes(10_000, 5);
        BlobFetch fetch = new BlobFetch(Digest.sha256(content), dir.resolve("f"), Duration.ofMillis(400));
        InputStream stalled = stalledAfter(content, 1000, new java.util.concurrent.CountDownLatch(1));
        AtomicReference<Path> published = new AtomicReference<>();
        fetch.run(() -> streamed(stalled, content.length), published::set, n -> { });
        assertThat(fetch.failed()).isTrue();
        assertThat(published.get()).isNull();
    }

    /**
     * Like a socket whose peer went silent: the first {@code n} bytes of {@code content}, then a read that blocks
     * until the stream is closed (which counts {@code closed} down) and then fails.
     */
    static InputStream stalledAfter(byte[] content, int n, java.util.concurrent.CountDownLatch closed) {
        return new InputStream() {
            private boolean sent;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (!sent) {
                    sent = true;
                    System.arraycopy(content, 0, b, off, n);
                    return n;
                }
                try {
                    if (!closed.await(1, TimeUnit.MINUTES)) return -1;
                } catch (InterruptedException e) {
                    throw new IOException("interrupted");
                }
                throw new IOException("socket closed");
            }

            @Override
            public void close() {
                closed.countDown();
            }
        };
    }

    /** An upstream blob read from a stream; the sink pauses whenever the stream has nothing more available. */
    static UpstreamClient.Blob streamed(InputStream body, long length) {
        return new UpstreamClient.Blob() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public void readTo(OutboundResponse.BodySink sink) throws IOException {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = body.read(buf)) >= 0; ) {
                    if (n > 0) sink.accept(ByteBuffer.wrap(buf, 0, n));
                    if (body.available() <= 0) sink.pause();
                }
            }

            @Override
            public void close() {
                try {
                    body.close();
                } catch (IOException e) {
                    // abandoned either way
                }
            }
        };
    }
}
