package dev.wharf.registry;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.ee10.servlet.HttpOutput;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.internal.HttpChannelState;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blob bodies written straight to the connection's socket on plain HTTP/1.x, past Jetty's output buffers, in one
 * of two ways:
 * <ul>
 * <li><b>copy</b> (the default): {@code pread(2)} into a 32 KiB direct buffer, {@code write(2)} to the socket, as
 * Distribution does (Go's 32 KiB {@code io.Copy}; strace shows it never calls sendfile for blobs). On this
 * project's machine every client we measure reads faster this way than from sendfile: curl 2.3-2.5 GB/s against
 * 1.6-1.7, a skopeo pull of 137 MB 573 ms against 645 (docs/decisions/blob-bodies-copy-not-sendfile.md). With
 * sendfile the client's copy out of the socket reads page-cache pages from memory on the client's core, and the
 * sender's core does the whole loopback TCP path; with a small copy the server's core reads the file and the
 * client copies from cache-warm socket buffers, so the work is split across two cores. The size matters: 16 KiB
 * and 64 KiB buffers were slower than 32 KiB (1.9 and 1.3-1.4 GB/s).</li>
 * <li><b>sendfile</b> ({@code http.sendfile: true}): {@link FileChannel#transferTo}, at most 256 KiB per call
 * (one unbounded call held the socket for megabytes at a time and ran 10-15 % slower). The page cache goes to
 * the network without a copy through this process, which saves server CPU where clients sit across a real NIC.
 * </li>
 * </ul>
 *
 * <p>Jetty 12 has no API for either, so the bytes bypass it: Jetty commits and flushes the headers, the body goes
 * straight to the socket, and the bytes are then credited to the two counters Jetty checks against the
 * Content-Length when the exchange ends (the core response's and the servlet output's); uncredited, Jetty would
 * take the response for short and close the connection. Nothing else writes to the connection meanwhile: the
 * handler thread owns the response, and HTTP/1 has one exchange at a time. Where any of this does not hold (TLS,
 * HTTP/2, a Jetty whose internals differ) {@link #send} returns -1 and the caller copies through Jetty instead.
 */
final class SocketBody {
    private static final Logger log = LoggerFactory.getLogger(SocketBody.class);
    /** Below this the checks and the bypass do not pay for themselves. */
    static final long MIN_LENGTH = 256 * 1024;
    /** The copy's buffer: see the class comment for why exactly this size. */
    static final int COPY_BYTES = 32 * 1024;
    /** Copy steps per call of {@link #copySteps}: 1 MiB. */
    private static final int STEPS_PER_CALL = 32;
    /** The most one sendfile call may send. */
    static final long SENDFILE_CHUNK = 256 * 1024;
    /** How long one wait for a growing file's writer lasts before the client connection is marked busy again. */
    private static final java.time.Duration WAIT_FOR_WRITER = java.time.Duration.ofSeconds(1);
    private static final VarHandle RESPONSE_WRITTEN = field(HttpChannelState.ChannelResponse.class,
            "_contentBytesWritten");
    private static final VarHandle OUTPUT_WRITTEN = field(HttpOutput.class, "_written");

    /** Bodies sent past Jetty since start (tests check the path is really taken). */
    private static final java.util.concurrent.atomic.AtomicLong BODIES = new java.util.concurrent.atomic.AtomicLong();
    /**
     * Copy buffers: 128 direct ones at most (4 MiB of direct memory), then heap ones. Also used by a mirror's
     * growing bodies where they cannot bypass Jetty (BlobEndpoint).
     */
    static final BufferPool BUFFERS = new BufferPool(COPY_BYTES, 128);

    private final boolean sendfile;

    /** @param sendfile send with sendfile(2) instead of copying through a 32 KiB buffer */
    SocketBody(boolean sendfile) {
        this.sendfile = sendfile;
    }

    static long bodiesSent() {
        return BODIES.get();
    }

    private static VarHandle field(Class<?> owner, String name) {
        try {
            return MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).findVarHandle(owner, name, long.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.info("blobs are sent through Jetty's buffers: this Jetty has no {}.{} ({})", owner.getSimpleName(),
                    name, e.toString());
            return null;
        }
    }

    /**
     * Sends {@code length} bytes of {@code file} from {@code start} as the response body, whose status and headers
     * (with Content-Length) are set and not yet committed.
     *
     * @return bytes sent, or -1 when this connection cannot be bypassed (nothing was written then)
     * @throws Cut when the client went away; what was sent is credited, so Jetty ends the exchange as short
     */
    long send(HttpServletRequest request, HttpOutput output, FileChannel file, long start, long length)
            throws IOException {
        if (length < MIN_LENGTH || start + length > file.size()) return -1;
        return transfer(request, output, file, start, length, (position, wait) -> start + length);
    }

    /** How far a file that is still being written may be read (a mirror's download, {@link PullThrough.Reading}). */
    interface Growing {
        /** The end of the readable bytes after waiting up to {@code wait} for more than {@code position}; -1 at the end. */
        long readable(long position, java.time.Duration wait) throws IOException;
    }

    /**
     * Sends a file that is still being written, {@code length} bytes from its start, as fast as they become
     * readable; as {@link #send}, for the headers and the return value. When the file's writer fails, the response
     * stays short of its Content-Length (the client sees a broken download).
     *
     * @throws Cut when the client went away or the writer failed; what was sent is credited
     */
    long sendGrowing(HttpServletRequest request, HttpOutput output, FileChannel file, long length, Growing growing)
            throws IOException {
        if (length < MIN_LENGTH) return -1;
        return transfer(request, output, file, 0, length, growing);
    }

    private long transfer(HttpServletRequest request, HttpOutput output, FileChannel file, long start,
            long length, Growing growing) throws IOException {
        if (RESPONSE_WRITTEN == null || OUTPUT_WRITTEN == null) return -1;
        ServletContextRequest jetty = ServletContextRequest.getServletContextRequest(request);
        if (jetty == null) return -1;
        Connection connection = jetty.getConnectionMetaData().getConnection();
        if (!(connection instanceof HttpConnection)
                || !(connection.getEndPoint() instanceof SocketChannelEndPoint endPoint)) {
            return -1; // HTTP/2, or TLS (the end point would then decrypt/encrypt)
        }
        if (!(Response.getOriginalResponse(jetty.getServletContextResponse())
                instanceof HttpChannelState.ChannelResponse response)) {
            return -1;
        }
        output.flush(); // commits: the status line and headers are on the wire before the first body byte
        SocketChannel socket = endPoint.getChannel();
        long timeout = Math.max(1000, endPoint.getIdleTimeout());
        ByteBuffer buffer = sendfile ? null : BUFFERS.take().limit(0); // empty: the first step fills it
        Selector selector = null;
        long sent = 0;
        try {
            long readable = start;
            while (sent < length) {
                if (readable <= start + sent) {
                    readable = growing.readable(start + sent, WAIT_FOR_WRITER);
                    endPoint.notIdle(); // waiting for the writer is not the client's idleness
                    if (readable < 0) break;
                    continue;
                }
                long n = buffer == null
                        ? file.transferTo(start + sent, Math.min(SENDFILE_CHUNK, readable - start - sent), socket)
                        : copySteps(file, start + sent, readable - start - sent, buffer, socket);
                if (n > 0) {
                    sent += n;
                    endPoint.notIdle(); // Jetty's idle timeout sees no activity of its own meanwhile
                    continue;
                }
                // The socket's send buffer is full (Jetty keeps it non-blocking): wait until it drains.
                if (selector == null) {
                    selector = Selector.open();
                    socket.register(selector, SelectionKey.OP_WRITE);
                }
                if (selector.select(timeout) == 0) {
                    throw new SocketTimeoutException("client took no bytes for " + timeout + " ms");
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new Cut(sent, e);
        } finally {
            credit(response, output, sent);
            if (selector != null) selector.close();
            if (buffer != null) BUFFERS.giveBack(buffer);
        }
        BODIES.incrementAndGet();
        return sent;
    }

    /**
     * Up to {@link #STEPS_PER_CALL} steps of the copy, stopping early when the socket is full. The steps are looped
     * here rather than in {@link #transfer}, whose loop runs once per body and so stays in the interpreter for
     * gigabytes on a JVM without the launcher's class cache (the JIT compiles a loop of a running method only after
     * ~60,000 iterations, a method after a few thousand calls): one call per MiB leaves that loop little to do.
     *
     * @return bytes the socket took (0 when its send buffer is full)
     */
    static long copySteps(FileChannel file, long position, long readable, ByteBuffer buffer,
            java.nio.channels.WritableByteChannel socket) throws IOException {
        long sent = 0;
        for (int step = 0; step < STEPS_PER_CALL && sent < readable; step++) {
            long n = copy(file, position + sent, readable - sent, buffer, socket);
            if (n == 0) break;
            sent += n;
        }
        return sent;
    }

    /**
     * One step of the copy: refills the buffer from the file once the socket has taken all of it, then writes what
     * the socket takes now. The buffer carries unsent bytes over to the next step.
     *
     * @return bytes the socket took (0 when its send buffer is full)
     */
    static long copy(FileChannel file, long position, long readable, ByteBuffer buffer,
            java.nio.channels.WritableByteChannel socket) throws IOException {
        if (!buffer.hasRemaining()) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), readable));
            while (buffer.hasRemaining()) {
                if (file.read(buffer, position + buffer.position()) < 0) {
                    throw new java.io.EOFException("the blob's file ended before its length");
                }
            }
            buffer.flip();
        }
        return socket.write(buffer);
    }

    /**
     * A body broken off by its client or by the file's writer, with how much of it the socket had taken: the
     * registry's byte count includes it, as it does for a body cut short while going through Jetty.
     */
    static final class Cut extends IOException {
        private final long sent;

        Cut(long sent, IOException cause) {
            super(cause.getMessage(), cause);
            this.sent = sent;
        }

        long sent() {
            return sent;
        }
    }

    private static void credit(HttpChannelState.ChannelResponse response, HttpOutput output, long sent) {
        RESPONSE_WRITTEN.set(response, (long) RESPONSE_WRITTEN.get(response) + sent);
        OUTPUT_WRITTEN.set(output, (long) OUTPUT_WRITTEN.get(output) + sent);
    }
}
