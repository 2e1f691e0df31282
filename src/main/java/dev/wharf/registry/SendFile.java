package dev.wharf.registry;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketTimeoutException;
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
 * sendfile(2) for blob bodies on plain HTTP/1.x: {@link FileChannel#transferTo} to the connection's socket, so the
 * kernel hands page-cache pages to TCP without a copy through user space (Distribution serves blobs the same way,
 * through Go's io.Copy). Buffered sending copies every byte twice more (file → buffer, buffer → socket) and was
 * 0.87× Distribution's blob GET.
 *
 * <p>Jetty 12 has no API for this, so the bytes bypass it: Jetty commits and flushes the headers, the file goes
 * straight to the socket, and the bytes are then credited to the two counters Jetty checks against the
 * Content-Length when the exchange ends (the core response's and the servlet output's); uncredited, Jetty would
 * take the response for short and close the connection. Nothing else writes to the connection meanwhile: the
 * handler thread owns the response, and HTTP/1 has one exchange at a time. Where any of this does not hold (TLS,
 * HTTP/2, a Jetty whose internals differ) {@link #send} returns -1 and the caller copies through buffers as before.
 */
final class SendFile {
    private static final Logger log = LoggerFactory.getLogger(SendFile.class);
    /** Below this the system calls saved do not pay for the checks and the selector. */
    static final long MIN_LENGTH = 256 * 1024;
    /** How long one wait for a growing file's writer lasts before the client connection is marked busy again. */
    private static final java.time.Duration WAIT_FOR_WRITER = java.time.Duration.ofSeconds(1);
    private static final VarHandle RESPONSE_WRITTEN = field(HttpChannelState.ChannelResponse.class,
            "_contentBytesWritten");
    private static final VarHandle OUTPUT_WRITTEN = field(HttpOutput.class, "_written");

    /** Bodies sent this way since start (tests check the path is really taken). */
    private static final java.util.concurrent.atomic.AtomicLong BODIES = new java.util.concurrent.atomic.AtomicLong();

    private SendFile() {}

    static long bodiesSent() {
        return BODIES.get();
    }

    private static VarHandle field(Class<?> owner, String name) {
        try {
            return MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).findVarHandle(owner, name, long.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.info("blobs are sent through buffers: this Jetty has no {}.{} ({})", owner.getSimpleName(), name,
                    e.toString());
            return null;
        }
    }

    /**
     * Sends {@code length} bytes of {@code file} from {@code start} as the response body, whose status and headers
     * (with Content-Length) are set and not yet committed.
     *
     * @return bytes sent, or -1 when this connection cannot take sendfile (nothing was written then)
     * @throws IOException when the client went away; what was sent is credited, so Jetty ends the exchange as short
     */
    static long send(HttpServletRequest request, HttpOutput output, FileChannel file, long start, long length)
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
     * @throws IOException when the client went away or the writer failed; what was sent is credited
     */
    static long sendGrowing(HttpServletRequest request, HttpOutput output, FileChannel file, long length,
            Growing growing) throws IOException {
        if (length < MIN_LENGTH) return -1;
        return transfer(request, output, file, 0, length, growing);
    }

    private static long transfer(HttpServletRequest request, HttpOutput output, FileChannel file, long start,
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
        long sent = 0;
        try (Selector selector = Selector.open()) {
            SelectionKey writable = null;
            long timeout = Math.max(1000, endPoint.getIdleTimeout());
            long readable = start;
            while (sent < length) {
                if (readable <= start + sent) {
                    readable = growing.readable(start + sent, WAIT_FOR_WRITER);
                    endPoint.notIdle(); // waiting for the writer is not the client's idleness
                    if (readable < 0) break;
                    continue;
                }
                long n = file.transferTo(start + sent, Math.min(length - sent, readable - start - sent), socket);
                if (n > 0) {
                    sent += n;
                    endPoint.notIdle(); // Jetty's idle timeout sees no activity of its own meanwhile
                    continue;
                }
                // The socket's send buffer is full (Jetty keeps it non-blocking): wait until it drains.
                if (writable == null) writable = socket.register(selector, SelectionKey.OP_WRITE);
                if (selector.select(timeout) == 0) {
                    throw new SocketTimeoutException("client took no bytes for " + timeout + " ms");
                }
                selector.selectedKeys().clear();
            }
        } finally {
            credit(response, output, sent);
        }
        BODIES.incrementAndGet();
        return sent;
    }

    private static void credit(HttpChannelState.ChannelResponse response, HttpOutput output, long sent) {
        RESPONSE_WRITTEN.set(response, (long) RESPONSE_WRITTEN.get(response) + sent);
        OUTPUT_WRITTEN.set(output, (long) OUTPUT_WRITTEN.get(output) + sent);
    }
}
