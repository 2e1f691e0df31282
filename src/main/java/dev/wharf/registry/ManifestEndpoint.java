package dev.wharf.registry;

import dev.wharf.content.ManifestService;
import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import dev.wharf.model.MediaTypes;
import dev.wharf.storage.meta.ManifestRecord;
import dev.wharf.ops.Metrics;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** GET/HEAD/PUT/DELETE /v2/&lt;name&gt;/manifests/&lt;reference&gt;. */
final class ManifestEndpoint {
    private final ManifestService manifests;
    private final Metrics metrics;
    private final PullThrough mirrors;

    ManifestEndpoint(ManifestService manifests, Metrics metrics, PullThrough mirrors) {
        this.manifests = manifests;
        this.metrics = metrics;
        this.mirrors = mirrors;
    }

    void get(Context ctx, String name, String reference, boolean head) {
        PullThrough.Manifest m;
        if (mirrors != null && mirrors.mirrored(name)) {
            m = mirrors.manifest(name, reference, !head);
        } else {
            ManifestRecord r = manifests.get(name, reference, !head);
            m = new PullThrough.Manifest(r.digest(), r.mediaType(), r.content());
        }
        // Clients such as skopeo send one Accept line per media type; all of them count.
        String accept = String.join(",", Collections.list(ctx.req().getHeaders("Accept")));
        if (!acceptable(accept, m.mediaType())) {
            throw new RegistryException(OciError.MANIFEST_UNKNOWN,
                    "manifest is " + m.mediaType() + ", which the Accept header does not allow",
                    Map.of("name", name, "reference", reference));
        }
        String etag = "\"" + m.digest() + "\"";
        ctx.header("Docker-Content-Digest", m.digest().toString());
        ctx.header("ETag", etag);
        ctx.contentType(m.mediaType());
        if (etag.equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.status(200);
        if (head) {
            ctx.header("Content-Length", String.valueOf(m.content().length));
        } else {
            Responses.send(ctx, m.content());
            metrics.bytesOut(m.content().length);
        }
    }

    /** A push by digest may name tags with {@code ?tag=} (spec v1.1.1); each one applied comes back as OCI-Tag. */
    void put(Context ctx, String name, String reference) {
        List<String> tags = ctx.queryParams("tag");
        byte[] body = readLimited(ctx);
        ManifestRecord m = manifests.put(name, reference, tags, ctx.header("Content-Type"), body);
        ctx.header("Location", "/v2/" + name + "/manifests/" + m.digest());
        ctx.header("Docker-Content-Digest", m.digest().toString());
        if (m.subject() != null) ctx.header("OCI-Subject", m.subject().toString());
        for (String tag : new LinkedHashSet<>(tags)) ctx.res().addHeader("OCI-Tag", tag);
        Responses.empty(ctx, 201);
    }

    void delete(Context ctx, String name, String reference) {
        manifests.delete(name, reference);
        Responses.empty(ctx, 202);
    }

    /** Reads the body, refusing anything over the manifest limit without buffering it. */
    private byte[] readLimited(Context ctx) {
        long declared = ctx.contentLength();
        if (declared > ManifestService.MAX_MANIFEST_BYTES) {
            // Refused unread: the /v2/ error handler drains what it can of the body (RefusedBody), so a client that
            // sends it without waiting reads this 413 instead of a connection reset.
            throw tooLarge();
        }
        try (InputStream in = ctx.bodyInputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
            byte[] buf = new byte[64 * 1024];
            int total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > ManifestService.MAX_MANIFEST_BYTES) throw tooLarge();
                out.write(buf, 0, n);
            }
            metrics.bytesIn(total);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RegistryException tooLarge() {
        return new RegistryException(OciError.MANIFEST_TOO_LARGE,
                "manifest exceeds the limit of " + ManifestService.MAX_MANIFEST_BYTES + " bytes", null);
    }

    /**
     * Content negotiation: with no Accept header (or a wildcard) anything goes; otherwise the stored media type must
     * be listed. Clients that only know Docker types still get OCI content if they list it, as all current ones do.
     */
    static boolean acceptable(String accept, String mediaType) {
        if (accept == null || accept.isBlank()) return true;
        Set<String> types = Arrays.stream(accept.split(","))
                .map(t -> t.split(";", 2)[0].trim().toLowerCase())
                .collect(Collectors.toSet());
        if (types.contains("*/*") || types.contains("application/*") || types.contains(mediaType)) return true;
        // A client asking only for generic JSON is a plain HTTP tool, not a registry client: serve it.
        return types.contains("application/json") && !types.stream().anyMatch(MediaTypes.SUPPORTED::contains);
    }
}
