package dev.wharf.sources;

import dev.wharf.content.ManifestService;
import dev.wharf.content.RegistryException;
import dev.wharf.content.UploadService;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import dev.wharf.storage.meta.MetadataStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Imports an image tarball (OCI layout or docker save) into an image's repository under {@code latest}: the
 * part uploads and Dockerfile builds share. {@link ImageTarball} checks everything first; only then does one more
 * pass stream each blob the repository lacks through {@link UploadService} (which verifies its digest again) and
 * store the manifests. Re-running is safe: everything is content-addressed.
 */
final class TarballImporter {
    static final String TAG = "latest";

    private final ImageStore images;
    private final UploadService uploads;
    private final ManifestService manifests;
    private final MetadataStore meta;
    private final Clock clock;

    TarballImporter(ImageStore images, UploadService uploads, ManifestService manifests, MetadataStore meta,
            Clock clock) {
        this.images = images;
        this.uploads = uploads;
        this.manifests = manifests;
        this.meta = meta;
        this.clock = clock;
    }

    /** Verifies, stores and tags the tarball {@code opener} reads; the image becomes {@code live}. */
    void importInto(ImageStore.Image image, ImageTarball.Opener opener, JobContext ctx) throws IOException {
        String repo = image.repository();
        images.state(image.id(), "verifying", null, clock.millis());
        ctx.step("Verify", "Reading the tarball and checking every blob's digest");
        ImageTarball.Plan plan = new ImageTarball(opener, ctx::checkCancelled, ImageTarball.MAX_INFLATED_BYTES).plan();

        images.state(image.id(), "saving", null, clock.millis());
        ctx.step("Save", "Storing blobs and manifests under " + repo + ":" + TAG);
        store(plan, repo, opener, ctx);
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
        images.imported(image.id(), TAG, plan.top().digest(), plan.bytes() + manifestBytes, clock.millis());
    }

    /** One pass over the tarball: each planned blob the repository lacks streams through UploadService. */
    private void store(ImageTarball.Plan plan, String repo, ImageTarball.Opener opener, JobContext ctx)
            throws IOException {
        Map<String, ImageTarball.Blob> byPath = new HashMap<>();
        plan.blobs().forEach(b -> byPath.put(b.path(), b));
        long total = plan.bytes();
        long done = 0;
        int count = 0;
        try (InputStream in = new BufferedInputStream(opener.open(), 1 << 16)) {
            TarReader tar = new TarReader(in);
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                ImageTarball.Blob b = byPath.remove(e.name());
                if (b == null) continue;
                ctx.checkCancelled();
                if (meta.linkedBlobSize(repo, b.digest()).isEmpty()) {
                    long before = done;
                    int layersDone = count;
                    uploads.uploadWhole(repo, b.digest(), new ProgressInputStream(e.content(),
                            n -> {
                                ctx.checkCancelled();
                                ctx.progress(before + n, total, layersDone, plan.blobs().size());
                            }));
                }
                done += b.size();
                ctx.progress(done, total, ++count, plan.blobs().size());
            }
        } catch (RegistryException e) {
            throw JobFailure.permanent("a blob in the tarball did not match its digest: " + e.getMessage());
        }
        if (!byPath.isEmpty()) throw JobFailure.permanent("the tarball changed while it was imported");
    }
}
