package dev.wharf.upstream;

import static dev.wharf.upstream.OutboundHttp.hostOf;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;

/** A response whose body streams; {@link #close} releases (or abandons) the connection. */
public final class OutboundResponse implements AutoCloseable {
    /**
     * Receives a body as it arrives, on the thread that reads it. A buffer is valid only during the call that
     * passes it.
     */
    public interface BodySink {
        void accept(ByteBuffer bytes) throws IOException;

        /** No more bytes came even after a moment's wait: the time to pass on what was gathered. */
        default void pause() throws IOException {}
    }

    /**
     * How long {@link #readBody} lets bytes gather in the socket when it finds none, before it reads again or, if
     * still none came, waits for the network. An upstream slower than loopback (any across a network) sends a
     * blob in pieces of a few KiB; handing each piece on woke two threads per piece, and woken threads are what
     * such a download cost: a 1 Gbit/s upstream took 11,000 context switches and ~0.8 s of CPU per 134 MB, against
     * ~4,800 and ~0.65 s with this pause (docs/benchmarks.md, "Pull-through mirror"). One millisecond of a
     * fast upstream's bytes fits in the socket's receive buffer, and a download that has bytes waiting never pauses.
     */
    static final long GATHER_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1);

    private final URI uri;
    private final OutboundHttp.Exchange exchange;
    private final org.eclipse.jetty.client.Response response;
    /** Held by the thread reading the body: a content source is read by one thread at a time. */
    private final java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean closed;
    private volatile boolean ended;
    private InputStream stream;

    OutboundResponse(URI uri, OutboundHttp.Exchange exchange) {
        this.uri = uri;
        this.exchange = exchange;
        this.response = exchange.response;
        this.ended = exchange.body == null;
    }

    public int status() {
        return response.getStatus();
    }

    /** The URL that answered (after redirects). */
    public URI uri() {
        return uri;
    }

    public Optional<String> header(String name) {
        return Optional.ofNullable(response.getHeaders().get(name));
    }

    public List<String> headers(String name) {
        return response.getHeaders().getValuesList(name);
    }

    public OptionalLong contentLength() {
        long n = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        return n < 0 ? OptionalLong.empty() : OptionalLong.of(n);
    }

    /**
     * Hands the rest of the body to {@code sink} as it arrives, on this thread, until its end. When the network
     * has nothing, it waits {@link #GATHER_NANOS} and reads again before it calls {@link BodySink#pause} and
     * waits for the network: so a body that trickles in arrives in fewer, larger chunks.
     *
     * @throws IOException when the connection breaks, the exchange times out or the response is closed (a
     *     message of Wharf's own), or what the sink throws
     */
    public void readBody(BodySink sink) throws IOException {
        claim();
        try {
            while (true) {
                Content.Chunk chunk = next(true);
                if (chunk == null) {
                    gather();
                    chunk = next(true); // Jetty's read fills from the socket itself, with no selector in between
                }
                if (chunk == null) {
                    sink.pause();
                    awaitBytes();
                    continue;
                }
                try {
                    if (chunk.hasRemaining()) sink.accept(chunk.getByteBuffer());
                } finally {
                    chunk.release();
                }
                if (chunk.isLast()) return;
            }
        } finally {
            reading.set(false);
        }
    }

    /** The moment's wait of {@link #readBody}; an interrupt ends it as it ends the wait for the network. */
    private void gather() throws IOException {
        java.util.concurrent.locks.LockSupport.parkNanos(GATHER_NANOS);
        if (Thread.currentThread().isInterrupted()) {
            close();
            throw new java.io.InterruptedIOException("interrupted while reading from " + hostOf(uri));
        }
    }

    private void claim() throws IOException {
        if (!reading.compareAndSet(false, true)) throw new IOException("the body is being read already");
    }

    /** The next chunk readable now, null when the network has none yet; an empty last chunk at the end. */
    private Content.Chunk next(boolean failIfClosed) throws IOException {
        if (ended) return Content.Chunk.EOF;
        if (closed && failIfClosed) throw new IOException("the download from " + hostOf(uri) + " was abandoned");
        Content.Chunk chunk = exchange.body.read();
        if (chunk == null) return null;
        if (Content.Chunk.isFailure(chunk)) {
            ended = true;
            throw bodyFailure(chunk.getFailure());
        }
        if (chunk.isLast()) ended = true;
        return chunk;
    }

    /** Waits until the body can be read again (bytes, its end, or a failure); close() ends the wait. */
    private void awaitBytes() throws IOException {
        java.util.concurrent.CompletableFuture<Void> ready = new java.util.concurrent.CompletableFuture<>();
        // Completing a future does not block: Jetty may run it on its selector thread, with no dispatch.
        exchange.body.demand(Invocable.from(Invocable.InvocationType.NON_BLOCKING, () -> ready.complete(null)));
        try {
            while (!closed) {
                try {
                    ready.get(1, TimeUnit.SECONDS);
                    return;
                } catch (TimeoutException e) {
                    // the exchange's own timeout or close() ends a wait that lasts
                }
            }
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while reading from " + hostOf(uri));
        } catch (ExecutionException e) {
            throw bodyFailure(e.getCause());
        }
    }

    private IOException bodyFailure(Throwable cause) {
        if (closed) return new IOException("the download from " + hostOf(uri) + " was abandoned");
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
                return new IOException(hostOf(uri) + " did not send the whole body in time");
            }
        }
        return new EOFException("the connection to " + hostOf(uri) + " broke before the body was complete");
    }

    /** The body as a stream; reading failures are IOExceptions whose message is Wharf's own. */
    public synchronized InputStream body() {
        if (stream == null) stream = new BodyStream();
        return stream;
    }

    /** Reads at most {@code max} bytes of the body (the rest is dropped), then closes. */
    public byte[] readAtMost(int max) throws IOException {
        try (InputStream in = body()) {
            return in.readNBytes(max);
        } finally {
            close();
        }
    }

    /**
     * Ends the exchange: a body already read to its end (or whose end is already here) leaves the connection
     * for reuse; otherwise the exchange is aborted and a read in progress fails.
     */
    @Override
    public void close() {
        if (closed) return;
        // What the network already delivered is read without waiting (often the whole short rest), unless
        // another thread is reading: then the exchange is simply abandoned.
        if (reading.compareAndSet(false, true)) {
            try {
                for (int i = 0; i < 4; i++) {
                    Content.Chunk chunk = next(false);
                    if (chunk == null) break;
                    chunk.release();
                    if (chunk.isLast()) break;
                }
            } catch (IOException e) {
                // broken anyway: aborted below
            } finally {
                reading.set(false);
            }
        }
        closed = true;
        if (!ended) exchange.request.abort(new IOException("response closed"));
    }

    /** The body read through {@link #readBody}'s chunks, one at a time. */
    private final class BodyStream extends InputStream {
        private Content.Chunk current;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            claim();
            try {
                return readClaimed(b, off, len);
            } finally {
                reading.set(false);
            }
        }

        private int readClaimed(byte[] b, int off, int len) throws IOException {
            while (current == null || !current.hasRemaining()) {
                if (current != null) {
                    current.release();
                    boolean last = current.isLast();
                    current = null;
                    if (last) return -1;
                }
                Content.Chunk chunk = next(true);
                if (chunk == null) {
                    awaitBytes();
                } else {
                    current = chunk;
                }
            }
            int n = Math.min(len, current.remaining());
            current.getByteBuffer().get(b, off, n);
            return n;
        }

        @Override
        public void close() {
            if (current != null) {
                current.release();
                current = null;
            }
            OutboundResponse.this.close();
        }
    }
}
