package dev.wharf.sources;

import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import dev.wharf.jobs.JobHandler;
import dev.wharf.storage.blob.BlobStore;
import java.io.IOException;
import java.time.Clock;

/**
 * Imports an uploaded image tarball (a {@code cycle-upload} source) into {@code <hub>/<identifier>:latest}. The
 * tarball waits in the blob store's upload staging, which every node shares, so any worker can run the job;
 * {@link TarballImporter} checks and stores it. The staged tarball is
 * discarded once the image is live or the import has failed for good; a transient failure keeps it for the
 * retry, and a crash leaves it to the staging expiry.
 */
final class TarballImportJob implements JobHandler {
    static final String TYPE = "image.import-tarball";

    private final ImageStore images;
    private final TarballImporter importer;
    private final BlobStore blobs;
    private final Clock clock;

    TarballImportJob(ImageStore images, TarballImporter importer, BlobStore blobs, Clock clock) {
        this.images = images;
        this.importer = importer;
        this.blobs = blobs;
        this.clock = clock;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void run(Job job, JobContext ctx) throws IOException {
        String imageId = job.input().path("image_id").asText();
        String uploadId = job.input().path("upload_id").asText();
        ImageStore.Image image = images.find(job.hub(), imageId).filter(i -> !"deleting".equals(i.state()))
                .orElseThrow(() -> JobFailure.permanent("the image was deleted"));
        if (blobs.uploadSize(uploadId).isEmpty()) {
            // Discarded by an earlier attempt that made the image live and died before the job was marked done.
            if (job.attempts() > 1 && "live".equals(image.state())) return;
            throw JobFailure.permanent("the uploaded tarball is gone (staging expired?); upload it again");
        }
        importer.importInto(image, () -> blobs.openUpload(uploadId), ctx);
        blobs.abortUpload(uploadId);
    }

    @Override
    public void failed(Job job, String message) {
        images.failed(job.input().path("image_id").asText(), message, clock.millis());
        try {
            blobs.abortUpload(job.input().path("upload_id").asText());
        } catch (IOException e) {
            // The staging expiry removes it later.
        }
    }
}
