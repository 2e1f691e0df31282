package dev.wharf.registry;

import dev.wharf.content.BlobService;
import dev.wharf.content.Names;
import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import dev.wharf.content.UploadService;
import dev.wharf.model.Digest;
import dev.wharf.ops.Metrics;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * POST /v2/&lt;name&gt;/blobs/uploads/ and PATCH/PUT/GET/DELETE /v2/&lt;name&gt;/blobs/uploads/&lt;id&gt;.
 * Location headers are paths without scheme and host, so they stay right behind any reverse proxy.
 */
final class UploadEndpoint {
    private final UploadService uploads;
    private final BlobService blobs;
    private final Metrics metrics;
    private final RegistryAccess access;

    UploadEndpoint(UploadService uploads, BlobService blobs, Metrics metrics, RegistryAccess access) {
        this.uploads = uploads;
        this.blobs = blobs;
        this.metrics = metrics;
        this.access = access;
    }

    void start(Context ctx, String name) {
        String mount = ctx.queryParam("mount");
        String from = ctx.queryParam("from");
        if (mount != null && from != null) {
            Digest digest = Names.requireDigest(mount);
            // An unknown, unreadable or invalid source repository is not an error: fall back to a normal upload
            // session, so a mount never reveals whether a private repository holds a blob.
            if (blobs.mount(name, from, digest, repository -> access.canPull(ctx, repository))) {
                created(ctx, name, digest);
                return;
            }
        }
        String digestParam = ctx.queryParam("digest");
        if (digestParam != null) {
            Digest digest = Names.requireDigest(digestParam);
            try (InputStream body = counted(ctx)) {
                uploads.uploadWhole(name, digest, body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            created(ctx, name, digest);
            return;
        }
        String id = uploads.start(name);
        progress(ctx, name, id, 0);
    }

    void patch(Context ctx, String name, String id) {
        Long rangeStart = contentRangeStart(ctx.header("Content-Range"));
        long size;
        try (InputStream body = counted(ctx)) {
            size = uploads.append(name, id, rangeStart, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        progress(ctx, name, id, size);
    }

    void put(Context ctx, String name, String id) {
        String digestParam = ctx.queryParam("digest");
        if (digestParam == null) {
            throw new RegistryException(OciError.DIGEST_INVALID, "the digest query parameter is required", null);
        }
        Digest digest = Names.requireDigest(digestParam);
        boolean hasBody = ctx.contentLength() > 0 || "chunked".equalsIgnoreCase(ctx.header("Transfer-Encoding"));
        Long rangeStart = contentRangeStart(ctx.header("Content-Range"));
        try (InputStream body = hasBody ? counted(ctx) : null) {
            uploads.complete(name, id, digest, rangeStart, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        created(ctx, name, digest);
    }

    void status(Context ctx, String name, String id) {
        long size = uploads.size(name, id);
        ctx.header("Location", uploadPath(name, id));
        ctx.header("Range", range(size));
        ctx.header("Docker-Upload-UUID", id);
        Responses.empty(ctx, 204);
    }

    void cancel(Context ctx, String name, String id) {
        uploads.cancel(name, id);
        Responses.empty(ctx, 204);
    }

    private static void created(Context ctx, String name, Digest digest) {
        ctx.header("Location", "/v2/" + name + "/blobs/" + digest);
        ctx.header("Docker-Content-Digest", digest.toString());
        Responses.empty(ctx, 201);
    }

    private static void progress(Context ctx, String name, String id, long size) {
        ctx.header("Location", uploadPath(name, id));
        ctx.header("Range", range(size));
        ctx.header("Docker-Upload-UUID", id);
        Responses.empty(ctx, 202);
    }

    private static String uploadPath(String name, String id) {
        return "/v2/" + name + "/blobs/uploads/" + id;
    }

    /** The spec's inclusive range of bytes received; "0-0" for an empty upload, as Distribution sends. */
    private static String range(long size) {
        return "0-" + Math.max(0, size - 1);
    }

    private InputStream counted(Context ctx) {
        try {
            return metrics.countIn(ctx.req().getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses {@code Content-Range: <start>-<end>} (optionally with a "bytes" prefix); null when absent. */
    static Long contentRangeStart(String header) {
        if (header == null || header.isBlank()) return null;
        String v = header.trim();
        if (v.startsWith("bytes")) v = v.substring(5).replaceFirst("^[ =]", "").trim();
        int slash = v.indexOf('/');
        if (slash >= 0) v = v.substring(0, slash);
        int dash = v.indexOf('-');
        try {
            long start = Long.parseLong(dash < 0 ? v : v.substring(0, dash).trim());
            if (dash >= 0) {
                long end = Long.parseLong(v.substring(dash + 1).trim());
                if (end < start) throw new NumberFormatException();
            }
            if (start < 0) throw new NumberFormatException();
            return start;
        } catch (NumberFormatException e) {
            throw new RegistryException(OciError.RANGE_INVALID, "malformed Content-Range header", header);
        }
    }
}
