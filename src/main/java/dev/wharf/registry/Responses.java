package dev.wharf.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** Small helpers shared by the endpoints for writing bodies the way the spec wants them. */
final class Responses {
    private static final int BUFFER = 256 * 1024;

    private Responses() {}

    static void json(Context ctx, ObjectMapper json, int status, Object body) {
        json(ctx, json, status, "application/json", body);
    }

    /** A JSON body with a more specific type; set before the body, which commits the response when written. */
    static void json(Context ctx, ObjectMapper json, int status, String contentType, Object body) {
        try {
            byte[] bytes = json.writeValueAsBytes(body);
            ctx.status(status).contentType(contentType);
            send(ctx, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a small in-memory body straight to the servlet stream with its Content-Length. Javalin's
     * {@code ctx.result(bytes)} copies every body through fresh stream buffers, which on the manifest GET path
     * was most of the garbage per request and so most of the young-GC pauses seen as tail latency.
     */
    static void send(Context ctx, byte[] body) {
        ctx.res().setContentLength(body.length);
        try {
            ctx.res().getOutputStream().write(body);
        } catch (IOException e) {
            // The client went away mid-response; nothing to repair on our side.
        }
    }

    /** A status with no body, but an explicit zero Content-Length as clients expect on 201/202/204. */
    static void empty(Context ctx, int status) {
        ctx.status(status);
        if (status != 204) ctx.header("Content-Length", "0");
    }

    /** 1 MiB buffers for file bytes on their way through Jetty: 16 direct ones at most, then heap ones. */
    private static final BufferPool FILE_BUFFERS = new BufferPool(1024 * 1024, 16);

    /**
     * Sends a byte range of a local file straight to the socket where the connection allows ({@link SocketBody}), else
     * through Jetty with a reused 1 MiB direct buffer: one read from the page cache and one socket write per MiB, no
     * heap copy, and nothing that stays resident afterwards. (Memory-mapping the file, as this did before, made every
     * page sent count in the process's resident set until the garbage collector happened to unmap it: a 1 GiB pull
     * showed as 1 GiB more RSS.)
     *
     * @return bytes written, or -1 when the file vanished before it could be opened (caller falls back)
     */
    static long sendFile(Context ctx, SocketBody socketBody, java.nio.file.Path file, long start, long length) {
        java.nio.channels.FileChannel channel;
        try {
            channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ);
        } catch (IOException e) {
            return -1;
        }
        long written = 0;
        java.nio.ByteBuffer buffer = null;
        try (channel) {
            OutputStream out = ctx.res().getOutputStream();
            if (!(out instanceof org.eclipse.jetty.ee10.servlet.HttpOutput http)) {
                return stream(ctx, java.nio.channels.Channels.newInputStream(channel.position(start)), length);
            }
            long direct = socketBody.send(ctx.req(), http, channel, start, length);
            if (direct >= 0) return direct;
            buffer = FILE_BUFFERS.take();
            while (written < length) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), length - written));
                int n = channel.read(buffer, start + written);
                if (n < 0) break;
                buffer.flip();
                http.write(buffer); // blocking: returns once Jetty is done with the buffer
                written += n;
            }
            http.flush();
        } catch (IOException e) {
            // The client went away mid-download; what it was sent past Jetty is counted too.
            if (e instanceof SocketBody.Cut cut) written = cut.sent();
        } finally {
            if (buffer != null) FILE_BUFFERS.giveBack(buffer);
        }
        return written;
    }

    /** Streams {@code length} bytes straight to the socket, bypassing any response buffering. */
    static long stream(Context ctx, InputStream in, long length) {
        long written = 0;
        try (in) {
            OutputStream out = ctx.res().getOutputStream();
            byte[] buf = new byte[BUFFER];
            while (written < length) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, length - written));
                if (n < 0) break;
                out.write(buf, 0, n);
                written += n;
            }
            out.flush();
        } catch (IOException e) {
            // The client went away mid-download; nothing to repair on our side.
        }
        return written;
    }
}
