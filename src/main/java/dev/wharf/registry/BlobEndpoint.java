package dev.wharf.registry;

import dev.wharf.content.BlobService;
import dev.wharf.content.Names;
import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import dev.wharf.model.Digest;
import dev.wharf.ops.Metrics;
import dev.wharf.storage.StorageFailure;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;

/**
 * GET/HEAD/DELETE /v2/&lt;name&gt;/blobs/&lt;digest&gt;, with single byte ranges. When the store redirects (S3 with
 * {@code storage.s3.redirect}), a GET the repository may serve answers 307 with a presigned URL instead of the
 * bytes; the client sends its Range there again. HEAD is always answered here: it carries no bytes, so a
 * redirect would only add a round trip.
 */
final class BlobEndpoint {
    /** One wait for a mirror download's next bytes (the download's own stall timeout ends a longer silence). */
    private static final Duration NEXT_BYTES = Duration.ofSeconds(1);
    private final BlobService blobs;
    private final Metrics metrics;
    private final PullThrough mirrors;
    private final SocketBody socketBody;

    BlobEndpoint(BlobService blobs, Metrics metrics, PullThrough mirrors, SocketBody socketBody) {
        this.blobs = blobs;
        this.metrics = metrics;
        this.mirrors = mirrors;
        this.socketBody = socketBody;
    }

    void get(Context ctx, String name, String digestText, boolean head) {
        Digest digest = Names.requireDigest(digestText);
        if (mirrors != null && mirrors.mirrored(name)) {
            Optional<PullThrough.Incoming> incoming = mirrors.blob(name, digest, head);
            if (incoming.isPresent()) {
                boolean sent = switch (incoming.get()) {
                    case PullThrough.Arriving arriving -> sendArriving(ctx, name, digest, arriving, head);
                    case PullThrough.Relayed relayed -> {
                        sendRelayed(ctx, digest, relayed); // a GET: a HEAD gets a Described
                        yield true;
                    }
                    case PullThrough.Described described -> {
                        blobHeaders(ctx, digest, described.size());
                        yield true;
                    }
                };
                if (sent) return;
            }
        }
        long size = blobs.size(name, digest);
        ctx.header("Docker-Content-Digest", digest.toString());
        ctx.header("ETag", "\"" + digest + "\"");
        ctx.header("Accept-Ranges", "bytes");
        Optional<ByteRange> range;
        try {
            range = ByteRange.parse(ctx.header("Range"), size);
        } catch (ByteRange.Unsatisfiable e) {
            ctx.header("Content-Range", "bytes */" + size);
            Responses.empty(ctx, 416);
            return;
        }
        long start = range.map(ByteRange::start).orElse(0L);
        long length = range.map(ByteRange::length).orElse(size);
        Optional<URI> direct = head ? Optional.empty() : blobs.directUrl(digest);
        if (direct.isPresent()) {
            redirect(ctx, direct.get());
            metrics.bytesRedirected(length);
            return;
        }
        ctx.header("Cache-Control", "max-age=31536000");
        ctx.contentType("application/octet-stream");
        if (range.isPresent()) {
            ctx.status(206);
            ctx.header("Content-Range", "bytes " + start + "-" + range.get().endInclusive() + "/" + size);
        } else {
            ctx.status(200);
        }
        ctx.header("Content-Length", String.valueOf(length));
        if (head) return;
        Optional<java.nio.file.Path> file = blobs.localFile(digest);
        long sent = file.isPresent() ? Responses.sendFile(ctx, socketBody, file.get(), start, length) : -1;
        if (sent < 0) sent = Responses.stream(ctx, blobs.open(digest, start), length);
        metrics.bytesOut(sent);
    }

    /**
     * A download that failed before this client got a byte. When this node's disk could not take it, the client
     * still gets the blob, passed from the upstream unstored ({@link #sendRelayed}); another storage failure goes to
     * the one answer every surface gives it (503); the upstream's problem is UNAVAILABLE with its message.
     */
    private void arrivalFailed(Context ctx, String name, Digest digest, IOException e) {
        if (StorageFailure.isFull(e)) {
            sendRelayed(ctx, digest, mirrors.relay(name, digest));
            return;
        }
        if (StorageFailure.diagnose(e).isPresent()) throw new UncheckedIOException(e);
        throw new RegistryException(OciError.UNAVAILABLE, e.getMessage(), null);
    }

    /**
     * A mirror's blob still coming in from the upstream: the whole blob (a Range is ignored, as HTTP allows), as
     * fast as it arrives, straight from the download's file (past Jetty where the connection allows it,
     * {@link SocketBody}). A failure before the first byte is answered as {@link #arrivalFailed} says; after it,
     * the response is cut short (fewer bytes than its Content-Length), so the client sees a broken download, never
     * a complete one.
     *
     * @return false when the download finished before this client could join it: the blob is in storage now
     */
    private boolean sendArriving(Context ctx, String name, Digest digest, PullThrough.Arriving blob, boolean head) {
        long size = blob.size();
        if (head) {
            blobHeaders(ctx, digest, size);
            return true;
        }
        PullThrough.Reading reading;
        try {
            Optional<? extends PullThrough.Reading> opened = blob.open();
            if (opened.isEmpty()) return false;
            reading = opened.get();
        } catch (IOException e) {
            arrivalFailed(ctx, name, digest, e);
            return true;
        }
        ctx.header("Docker-Content-Digest", digest.toString());
        ctx.header("ETag", "\"" + digest + "\"");
        long sent = 0;
        try (reading) {
            long readable;
            try {
                do {
                    readable = reading.readable(0, NEXT_BYTES);
                } while (readable == 0);
            } catch (IOException e) {
                arrivalFailed(ctx, name, digest, e);
                return true;
            }
            ctx.contentType("application/octet-stream");
            if (size >= 0) ctx.header("Content-Length", String.valueOf(size));
            ctx.status(200);
            OutputStream out = ctx.res().getOutputStream();
            org.eclipse.jetty.ee10.servlet.HttpOutput http =
                    out instanceof org.eclipse.jetty.ee10.servlet.HttpOutput h ? h : null;
            if (size >= 0 && http != null) {
                long direct = socketBody.sendGrowing(ctx.req(), http, reading.file(), size, reading::readable);
                if (direct >= 0) {
                    sent = direct;
                    return true;
                }
            }
            // TLS, HTTP/2 or a small blob: through Jetty, with a pooled buffer rather than a new one per request
            // (a slow upstream can keep many such requests waiting at once).
            ByteBuffer buf = http != null ? SocketBody.BUFFERS.take() : ByteBuffer.allocate(SocketBody.COPY_BYTES);
            try {
                for (long position = 0; readable >= 0; readable = reading.readable(position, NEXT_BYTES)) {
                    while (position < readable) {
                        buf.clear().limit((int) Math.min(buf.capacity(), readable - position));
                        int n = reading.file().read(buf, position);
                        if (n <= 0) throw new IOException("the download's file ended early");
                        buf.flip();
                        if (http != null) {
                            http.write(buf); // blocking: returns once Jetty is done with the buffer
                        } else {
                            out.write(buf.array(), 0, n);
                        }
                        position += n;
                        sent += n;
                    }
                }
                out.flush();
            } finally {
                SocketBody.BUFFERS.giveBack(buf); // a heap buffer is left to the garbage collector
            }
        } catch (IOException e) {
            // The upstream broke (or the client left): what was sent stays short of the Content-Length.
            if (e instanceof SocketBody.Cut cut) sent = cut.sent();
        } finally {
            metrics.bytesOut(sent);
        }
        return true;
    }

    /**
     * A mirror's blob passed from the upstream without being stored, for want of room: the whole blob (a Range is
     * ignored), as it arrives, through Jetty. A broken upstream or bytes that do not verify cut the response short,
     * or are an error when the client has received nothing yet.
     */
    private void sendRelayed(Context ctx, Digest digest, PullThrough.Relayed blob) {
        CountingOutput out = null;
        try (blob) {
            blobHeaders(ctx, digest, blob.size());
            out = new CountingOutput(ctx.res().getOutputStream());
            blob.sendTo(out);
        } catch (IOException e) {
            if (!ctx.res().isCommitted()) {
                // Nothing reached the client yet (the upstream failed within the first output buffer): an error.
                ctx.res().resetBuffer();
                throw new RegistryException(OciError.UNAVAILABLE, e.getMessage(), null);
            }
            // The upstream broke, or the client left: the response stays short of its Content-Length.
        } finally {
            if (out != null) metrics.bytesOut(out.count); // what was sent, also of a relay cut short
        }
    }

    /** Counts what a relay wrote, so that a relay cut short still counts the bytes its client received. */
    private static final class CountingOutput extends java.io.FilterOutputStream {
        private long count;

        CountingOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /**
     * A whole blob's status and headers, for one this node does not store (yet): nothing after them for a HEAD. No
     * Content-Length when the size is not known ({@code -1}).
     */
    private static void blobHeaders(Context ctx, Digest digest, long size) {
        ctx.header("Docker-Content-Digest", digest.toString());
        ctx.header("ETag", "\"" + digest + "\"");
        ctx.contentType("application/octet-stream");
        if (size >= 0) ctx.header("Content-Length", String.valueOf(size));
        ctx.status(200);
    }

    /**
     * 307 rather than 302/303 so the client repeats the same GET (with its Range) at the URL; not cacheable,
     * because the URL expires while a cached redirect would not.
     */
    private static void redirect(Context ctx, URI location) {
        ctx.header("Cache-Control", "no-store");
        ctx.header("Location", location.toString());
        Responses.empty(ctx, 307);
    }

    void delete(Context ctx, String name, String digestText) {
        blobs.delete(name, Names.requireDigest(digestText));
        Responses.empty(ctx, 202);
    }
}
