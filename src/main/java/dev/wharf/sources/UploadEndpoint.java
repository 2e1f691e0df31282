package dev.wharf.sources;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobStore;
import dev.wharf.storage.blob.BlobStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.UUID;

/**
 * {@code POST /v1/images/{imageId}/upload}: the raw image tarball of a {@code cycle-upload} source (not part of
 * Cycle's published API, which uploads through its factory), or the build context (a tar, plain or compressed) of
 * a {@code docker-file} source. The body streams into the blob store's upload staging, never into memory, and is
 * cut off past {@code sources.upload_max_bytes}; then a {@link TarballImportJob} imports it or a {@link BuildJob}
 * builds from it.
 */
final class UploadEndpoint {
    static final String ORIGIN = "cycle-upload";

    private final SourceService sources;
    private final ImageStore images;
    private final JobStore jobs;
    private final BlobStore blobs;
    private final HubGate gate;
    private final Runnable wakeWorkers;
    private final long maxBytes;

    UploadEndpoint(SourceService sources, ImageStore images, JobStore jobs, BlobStore blobs, HubGate gate,
            Runnable wakeWorkers, long maxBytes) {
        this.sources = sources;
        this.images = images;
        this.jobs = jobs;
        this.blobs = blobs;
        this.gate = gate;
        this.wakeWorkers = wakeWorkers;
        this.maxBytes = maxBytes;
    }

    void register(JavalinConfig c) {
        c.routes.post("/v1/images/{imageId}/upload", this::upload);
    }

    private void upload(Context ctx) throws IOException {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.IMPORT_IMAGE);
        String id = ctx.pathParam("imageId");
        ImageStore.Image image = images.find(caller.hub(), id)
                .orElseThrow(() -> new CycleException(CycleError.IMAGE_NOT_FOUND, "no image " + id + " in this hub"));
        if ("deleting".equals(image.state())) throw new CycleException(CycleError.INVALID_STATE, "the image is being deleted");
        ImageSource source = sources.visible(caller, image.sourceId());
        String originType = source.origin().path("type").asText();
        boolean buildContext = "docker-file".equals(originType);
        if (!ORIGIN.equals(originType) && !buildContext) {
            throw new CycleException(CycleError.NOT_COMPATIBLE, "only images of cycle-upload (image tarball) and"
                    + " docker-file (build context) sources take an upload; this one imports with POST /v1/images/"
                    + id + "/tasks", "/origin/type");
        }
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) {
            // A client that sends without waiting for 100-continue sees a reset, not the 413, if we close mid-body:
            // read and drop a body that is only a little too large; a much larger one is refused unread.
            if (declared <= maxBytes + DRAIN_BYTES) discard(ctx.req().getInputStream(), declared);
            throw tooLarge();
        }
        String uploadId = "cycle-upload-" + UUID.randomUUID();
        blobs.createUpload(uploadId);
        try {
            long size = blobs.append(uploadId, 0, new Limited(ctx.req().getInputStream(), maxBytes));
            if (size == 0) throw CycleException.invalid("", "the upload is empty; send the image tarball as the body");
        } catch (Limited.TooLarge e) {
            blobs.abortUpload(uploadId);
            discard(ctx.req().getInputStream(), DRAIN_BYTES); // as above, for a body without Content-Length
            throw tooLarge();
        } catch (IOException | RuntimeException e) {
            blobs.abortUpload(uploadId);
            throw e;
        }
        ObjectNode input = JsonNodeFactory.instance.objectNode().put("image_id", image.id())
                .put("source_id", source.id()).put("upload_id", uploadId);
        Job job = buildContext
                ? jobs.submit(caller.hub(), BuildJob.TYPE, "Build image " + image.name() + " from the uploaded context",
                        input, 3, caller.userId())
                : jobs.submit(caller.hub(), TarballImportJob.TYPE, "Import uploaded image " + image.name(), input, 5,
                        caller.userId());
        wakeWorkers.run();
        CycleHttp.data(ctx, 200, JobView.descriptor("import", job), null);
    }

    /** How much of a too-large body is read and dropped so the client gets the 413 instead of a reset. */
    private static final long DRAIN_BYTES = 64L << 20;

    /** Whether a /v1/ path is this endpoint's (its body is binary). */
    static boolean isUpload(String path) {
        return path.startsWith("/v1/images/") && path.endsWith("/upload");
    }

    private static void discard(InputStream in, long bytes) {
        try {
            in.skipNBytes(bytes);
        } catch (IOException e) {
            // The client stopped sending or sent less: the 413 goes out either way.
        }
    }

    private CycleException tooLarge() {
        return new CycleException(CycleError.PAYLOAD_TOO_LARGE, "the tarball is larger than " + maxBytes
                + " bytes (sources.upload_max_bytes)");
    }

    /** Fails the read once more than {@code max} bytes came, so an endless body cannot fill the disk. */
    private static final class Limited extends FilterInputStream {
        static final class TooLarge extends IOException {
            TooLarge() {
                super("upload too large");
            }
        }

        private long left;

        Limited(InputStream in, long max) {
            super(in);
            this.left = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --left < 0) throw new TooLarge();
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0 && (left -= n) < 0) throw new TooLarge();
            return n;
        }
    }
}
