package dev.wharf.mirror;

import dev.wharf.model.Digest;
import dev.wharf.registry.PullThrough;
import dev.wharf.storage.DiskReserve;
import dev.wharf.storage.StorageFailure;
import dev.wharf.upstream.OutboundResponse;
import dev.wharf.upstream.UpstreamClient;
import dev.wharf.upstream.UpstreamException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * One download of a blob from an upstream into a node-local file, read by any number of clients while it grows
 * (the tee): clients get bytes as they arrive instead of waiting for the whole layer. The file is hashed as it is
 * written; the last byte is held back from readers until the digest has verified, so a client never receives a
 * complete body with the wrong content. If the upstream breaks, stalls or sends other bytes, readers fail
 * (their responses are cut short) and nothing is published; otherwise the verified file is handed to
 * {@code publish} (an ordinary upload of the repository).
 */
final class BlobFetch implements PullThrough.Arriving {
    private enum State { STARTING, STREAMING, VERIFIED, FAILED }

    /** Bytes gathered before they are written, hashed and shown to readers (see {@link Tee}). */
    static final int BATCH = 256 * 1024;

    /**
     * The longest a gathered byte waits for its batch to fill before readers get it: an upstream that sends a few
     * bytes every millisecond (so the download never pauses) still reaches the client at once.
     */
    static final long BATCH_AGE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** Stores the verified file as the blob (throws if it cannot). */
    interface Publisher {
        void publish(Path file) throws IOException;
    }

    private final Digest digest;
    private final Path file;
    private final Duration stallTimeout;
    private final DiskReserve reserve;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private State state = State.STARTING;
    private long size = -1;
    private long written;
    private String failure;
    private UpstreamException upstreamFailure;
    /** Set when the download failed for this node's storage (a full disk), not for the upstream: see failure(). */
    private Throwable storageFailure;
    private int readers;
    private boolean finished;
    private boolean deleted;
    private boolean published;

    BlobFetch(Digest digest, Path file, Duration stallTimeout) {
        this(digest, file, stallTimeout, DiskReserve.NONE);
    }

    /** @param reserve the free space of the download's file system that it leaves alone (storage.reserve_bytes) */
    BlobFetch(Digest digest, Path file, Duration stallTimeout, DiskReserve reserve) {
        this.digest = digest;
        this.file = file;
        this.stallTimeout = stallTimeout;
        this.reserve = reserve;
    }

    /**
     * Runs the download on the calling thread: open, stream to the file while hashing, verify, publish.
     *
     * @param upstreamBytes counts bytes received from the upstream (for the metric)
     */
    void run(Supplier<UpstreamClient.Blob> open, Publisher publish, LongConsumer upstreamBytes) {
        AtomicReference<UpstreamClient.Blob> body = new AtomicReference<>();
        Thread runner = Thread.currentThread();
        // No answer yet: interrupt the wait for it; no bytes: close the body, which fails the read.
        StallWatch watch = new StallWatch(stallTimeout, () -> {
            UpstreamClient.Blob blob = body.get();
            if (blob != null) {
                blob.close();
            } else {
                runner.interrupt();
            }
        });
        Tee tee = null;
        // Private from the start: the filesystem store makes this very file the published blob.
        try (FileChannel out = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), dev.wharf.storage.PrivateFiles.fileMode())) {
            reserve.check(); // before asking the upstream for what could not be stored
            UpstreamClient.Blob blob = open.get();
            body.set(blob);
            try (blob) {
                started(blob.length());
                tee = new Tee(out, Digest.newHasher(digest.algorithm()), upstreamBytes, watch);
                blob.readTo(tee);
                tee.flush();
            }
            if (size >= 0 && written != size) {
                throw new IOException("the upstream sent " + written + " of " + size + " bytes");
            }
            Digest actual = Digest.fromHasher(digest.algorithm(), tee.hasher);
            if (!actual.equals(digest)) {
                fail("the upstream's bytes for " + digest + " hash to " + actual + "; not stored", null, null);
                return;
            }
            verified();
        } catch (UpstreamException e) {
            fail(e.getMessage(), e, null);
            return;
        } catch (IOException | RuntimeException e) {
            Optional<StorageFailure.Diagnosis> ours = StorageFailure.diagnose(e);
            if (ours.isPresent()) {
                // Not the upstream's fault, and the client should hear what it is (507 for a full disk).
                fail(ours.get().message(), null, e);
                return;
            }
            long received = tee == null ? 0 : tee.received;
            fail("the download of " + digest + " from the upstream broke after " + received + " bytes ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + "); not stored",
                    null, null);
            return;
        } finally {
            watch.close();
        }
        try {
            publish.publish(file);
            lock.lock();
            try {
                published = true;
            } finally {
                lock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            // Every reader has its verified bytes already; the next pull fetches again.
            throw new IllegalStateException("storing " + digest + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The download's side of the tee: gathers the upstream's chunks (Jetty hands over at most 64 KiB at a time)
     * and passes them on in batches of up to {@link #BATCH} bytes, or whenever the network has nothing more for
     * the moment, or once the batch's first byte is {@link #BATCH_AGE_NANOS} old: one file write, one digest
     * update and one wake-up of the readers per batch, instead of per chunk.
     */
    private final class Tee implements OutboundResponse.BodySink {
        private final FileChannel out;
        private final MessageDigest hasher;
        private final LongConsumer upstreamBytes;
        private final StallWatch watch;
        private final byte[] batch = new byte[BATCH];
        private int gathered;
        /** When the batch got its first byte. */
        private long batchStartNanos;
        private long received;
        private final DiskReserve.Write room = reserve.write();

        Tee(FileChannel out, MessageDigest hasher, LongConsumer upstreamBytes, StallWatch watch) {
            this.out = out;
            this.hasher = hasher;
            this.upstreamBytes = upstreamBytes;
            this.watch = watch;
        }

        @Override
        public void accept(ByteBuffer bytes) throws IOException {
            long now = System.nanoTime();
            watch.progress(now);
            received += bytes.remaining();
            if (size >= 0 && received > size) {
                throw new IOException("the upstream sent more than the " + size + " bytes it announced");
            }
            while (bytes.hasRemaining()) {
                if (gathered == 0) batchStartNanos = now;
                int n = Math.min(bytes.remaining(), batch.length - gathered);
                bytes.get(batch, gathered, n);
                gathered += n;
                if (gathered == batch.length) flush();
            }
            if (gathered > 0 && now - batchStartNanos >= BATCH_AGE_NANOS) flush();
        }

        @Override
        public void pause() throws IOException {
            flush();
        }

        void flush() throws IOException {
            if (gathered == 0) return;
            room.before(gathered);
            ByteBuffer buf = ByteBuffer.wrap(batch, 0, gathered);
            while (buf.hasRemaining()) out.write(buf);
            hasher.update(batch, 0, gathered);
            upstreamBytes.accept(gathered);
            advance(gathered);
            gathered = 0;
        }
    }

    /** Called when the download is over and the fetch no longer listed: the file goes once no reader needs it. */
    void finish() {
        lock.lock();
        try {
            finished = true;
            deleteIfUnused();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the upstream answered (size known) or failed.
     *
     * @throws UpstreamException the upstream's failure, for the client's error
     */
    void awaitStarted(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (state == State.STARTING) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new UpstreamException(UpstreamException.Reason.UNREACHABLE,
                            "the upstream did not start sending " + digest + " within " + timeout.toSeconds() + "s");
                }
                changed.awaitNanos(left);
            }
            if (state == State.FAILED) {
                if (storageFailure != null) throw new UncheckedIOException(failure());
                throw upstreamFailure != null ? upstreamFailure
                        : new UpstreamException(UpstreamException.Reason.UNREACHABLE, failure);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the download has ended (verified, or failed) or {@code timeout} passed.
     *
     * @return true when every byte arrived and matched the digest
     */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (state == State.STARTING || state == State.STREAMING) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                changed.awaitNanos(left);
            }
            return state == State.VERIFIED;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    /** Whether a reader opening now would be served from the file (false once it is gone; then use storage). */
    boolean readable() {
        lock.lock();
        try {
            return !deleted;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A reader of the file, or empty when the download is over and its file gone: the blob is stored now (a
     * client that lost that race reads it from storage). A download that failed or could not be stored is an
     * error, never an empty answer.
     */
    @Override
    public Optional<Reader> open() throws IOException {
        lock.lock();
        try {
            if (deleted) {
                if (state == State.FAILED) throw failure();
                if (!published) throw new IOException("storing " + digest + " failed; retry");
                return Optional.empty();
            }
            readers++;
        } finally {
            lock.unlock();
        }
        try {
            return Optional.of(new Reader(FileChannel.open(file, StandardOpenOption.READ)));
        } catch (IOException | RuntimeException e) {
            release();
            throw e;
        }
    }

    private void started(long length) {
        lock.lock();
        try {
            size = length;
            state = State.STREAMING;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void advance(long n) {
        lock.lock();
        try {
            written += n;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void verified() {
        lock.lock();
        try {
            if (size < 0) size = written;
            state = State.VERIFIED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the download as failed: by the upstream ({@code upstream}), by this node's storage ({@code storage}), or by
     * neither (a broken connection, bytes that do not match the digest).
     */
    private void fail(String message, UpstreamException upstream, Throwable storage) {
        lock.lock();
        try {
            failure = message;
            upstreamFailure = upstream;
            storageFailure = storage;
            state = State.FAILED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** What a reader of a failed download is told; caused by the storage's own exception when it was ours. */
    private IOException failure() {
        return storageFailure == null ? new IOException(failure) : new IOException(failure, storageFailure);
    }

    /** The failure's text when this node's storage failed the download (a full disk), else empty. */
    Optional<String> storageFailureMessage() {
        lock.lock();
        try {
            return storageFailure == null ? Optional.empty() : Optional.of(failure);
        } finally {
            lock.unlock();
        }
    }

    boolean failed() {
        lock.lock();
        try {
            return state == State.FAILED;
        } finally {
            lock.unlock();
        }
    }

    private void release() {
        lock.lock();
        try {
            readers--;
            deleteIfUnused();
        } finally {
            lock.unlock();
        }
    }

    private void deleteIfUnused() {
        if (finished && readers == 0 && !deleted) {
            deleted = true;
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // A leftover temp file; the mirror's start-up sweep removes it.
            }
        }
    }

    /**
     * One reader of the growing file: where it may read up to (the last byte waits for verification), and the
     * file as a stream from its start.
     */
    final class Reader extends InputStream implements PullThrough.Reading {
        private final FileChannel channel;
        private long position;
        private boolean closed;

        Reader(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public FileChannel file() {
            return channel;
        }

        @Override
        public long readable(long from, Duration wait) throws IOException {
            long deadline = System.nanoTime() + wait.toNanos();
            lock.lock();
            try {
                while (true) {
                    long visible = state == State.VERIFIED ? written : Math.max(0, written - 1);
                    if (visible > from) return visible;
                    if (state == State.FAILED) throw failure();
                    if (state == State.VERIFIED) return -1;
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return from;
                    changed.awaitNanos(left);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the upstream");
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            long end;
            do {
                end = readable(position, Duration.ofSeconds(1));
            } while (end == position);
            if (end < 0) return -1;
            int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
            if (n > 0) position += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            if (closed) return;
            closed = true;
            channel.close();
            release();
        }
    }
}
