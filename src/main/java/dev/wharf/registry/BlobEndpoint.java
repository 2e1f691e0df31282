package dev.wharf.registry;

import dev.wharf.content.BlobService;
import dev.wharf.content.Names;
import dev.wharf.model.Digest;
import dev.wharf.ops.Metrics;
import io.javalin.http.Context;
import java.util.Optional;

/** GET/HEAD/DELETE /v2/&lt;name&gt;/blobs/&lt;digest&gt;, with single byte ranges. */
final class BlobEndpoint {
    private final BlobService blobs;
    private final Metrics metrics;

    BlobEndpoint(BlobService blobs, Metrics metrics) {
        this.blobs = blobs;
        this.metrics = metrics;
    }

    void get(Context ctx, String name, String digestText, boolean head) {
        Digest digest = Names.requireDigest(digestText);
        long size = blobs.size(name, digest);
        ctx.header("Docker-Content-Digest", digest.toString());
        ctx.header("ETag", "\"" + digest + "\"");
        ctx.header("Accept-Ranges", "bytes");
        ctx.header("Cache-Control", "max-age=31536000");
        ctx.contentType("application/octet-stream");
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
        if (range.isPresent()) {
            ctx.status(206);
            ctx.header("Content-Range", "bytes " + start + "-" + range.get().endInclusive() + "/" + size);
        } else {
            ctx.status(200);
        }
        ctx.header("Content-Length", String.valueOf(length));
        if (head) return;
        Optional<java.nio.file.Path> file = blobs.localFile(digest);
        long sent = file.isPresent() ? Responses.sendFile(ctx, file.get(), start, length) : -1;
        if (sent < 0) sent = Responses.stream(ctx, blobs.open(digest, start), length);
        metrics.bytesOut(sent);
    }

    void delete(Context ctx, String name, String digestText) {
        blobs.delete(name, Names.requireDigest(digestText));
        Responses.empty(ctx, 202);
    }
}
