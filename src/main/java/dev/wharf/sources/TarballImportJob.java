package dev.wharf.sources;

import dev.wharf.content.ManifestService;
import dev.wharf.content.RegistryException;
import dev.wharf.content.UploadService;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import dev.wharf.jobs.JobHandler;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.meta.MetadataStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Imports an uploaded image tarball (a {@code cycle-upload} source) into {@code <hub>/<identifier>:latest}. The
 * tarball waits in the blob store's upload staging, which every node shares, so any worker can run the job.
 * {@link ImageTarball} checks everything first; only then does one more pass stream each blob through
 * {@link UploadService} (which verifies its digest again) and store the manifests. The staged tarball is
 * discarded once the image is live or the import has failed for good; a transient failure keeps it for the
 * retry, and a crash leaves it to the staging expiry.
 */
final class TarballImportJob implements JobHandler {
    static final String TYPE = "image.import-tarball";
    static final String TAG = "latest";

    private final ImageStore images;
    private final UploadService uploads;
    private final ManifestService manifests;
    private final BlobStore blobs;
    private final MetadataStore meta;
    private final Clock clock;

    TarballImportJob(ImageStore images, UploadService uploads, ManifestService manifests, BlobStore blobs,
            MetadataStore meta, Clock clock) {
        this.images = images;
        this.uploads = uploads;
        this.manifests = manifests;
        this.blobs = blobs;
        this.meta = meta;
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
        String repo = image.repository();
        images.state(imageId, "verifying", null, clock.millis());
        ctx.step("Verify", "Reading the tarball and checking every blob's digest");
        ImageTarball.Plan plan = new ImageTarball(() -> blobs.openUpload(uploadId)).plan();

        images.state(imageId, "saving", null, clock.millis());
        ctx.step("Save", "Storing blobs and manifests under " + repo + ":" + TAG);
        store(plan, repo, uploadId, ctx);
        try {
            for (ImageTarball.Manifest m : plan.children()) manifests.put(repo, m.digest(), m.mediaType(), m.content());
            manifests.put(repo, TAG, plan.top().mediaType(), plan.top().content());
        } catch (RegistryException e) {
            throw JobFailure.permanent("the tarball's manifest was refused: " + e.getMessage());
        }
        ctx.output("digest", plan.top().digest());
        ctx.output("repository", repo + ":" + TAG);
        long manifestBytes = plan.top().content().length
                + plan.children().stream().mapToLong(m -> m.content().length).sum();
        images.imported(imageId, TAG, plan.top().digest(), plan.bytes() + manifestBytes, clock.millis());
        blobs.abortUpload(uploadId);
    }

    /** One pass over the tarball: each planned blob the repository lacks streams through UploadService. */
    private void store(ImageTarball.Plan plan, String repo, String uploadId, JobContext ctx) throws IOException {
        Map<String, ImageTarball.Blob> byPath = new HashMap<>();
        plan.blobs().forEach(b -> byPath.put(b.path(), b));
        long total = plan.bytes();
        long done = 0;
        int count = 0;
        try (InputStream in = new BufferedInputStream(blobs.openUpload(uploadId), 1 << 16)) {
            TarReader tar = new TarReader(in);
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                ImageTarball.Blob b = byPath.remove(e.name());
                if (b == null) continue;
                ctx.checkCancelled();
                if (meta.linkedBlobSize(repo, b.digest()).isEmpty()) {
                    long before = done;
                    int layersDone = count;
                    uploads.uploadWhole(repo, b.digest(), new ProgressInputStream(e.content(),
                            n -> ctx.progress(before + n, total, layersDone, plan.blobs().size())));
                }
                done += b.size();
                ctx.progress(done, total, ++count, plan.blobs().size());
            }
        } catch (RegistryException e) {
            throw JobFailure.permanent("a blob in the tarball did not match its digest: " + e.getMessage());
        }
        if (!byPath.isEmpty()) throw JobFailure.permanent("the tarball changed while it was imported");
    }

    @Override
    public void failed(Job job, String message) {
        images.state(job.input().path("image_id").asText(), "error", message, clock.millis());
        try {
            blobs.abortUpload(job.input().path("upload_id").asText());
        } catch (IOException e) {
            // The staging expiry removes it later.
        }
    }
}
