package dev.wharf.sources;

import dev.wharf.content.ManifestService;
import dev.wharf.content.RegistryException;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import dev.wharf.jobs.JobHandler;
import java.time.Clock;
import java.util.Optional;

/**
 * Deletes an image: removes the tag its import wrote, then marks the image {@code deleted}. The tag is only
 * removed while it still names this image's digest and no other image holds the same tag and digest (sources
 * may share a repository), so deleting one image never takes away another's content. Blobs and the manifest
 * itself stay for registry garbage collection. Safe to run again: a tag already gone is simply skipped.
 */
final class ImageDeleteJob implements JobHandler {
    static final String TYPE = "image.delete";

    private final ImageStore images;
    private final ManifestService manifests;
    private final Clock clock;

    ImageDeleteJob(ImageStore images, ManifestService manifests, Clock clock) {
        this.images = images;
        this.manifests = manifests;
        this.clock = clock;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void run(Job job, JobContext ctx) {
        String imageId = job.input().path("image_id").asText();
        Optional<ImageStore.Image> found = images.find(job.hub(), imageId);
        if (found.isEmpty()) return; // deleted by an earlier attempt
        ImageStore.Image image = found.get();
        ctx.step("Delete", "Deleting image " + image.name());
        if (image.tag() != null) ctx.output("repository", image.repository() + ":" + image.tag());
        remove(image);
    }

    /** Removes the image's tag if it is still the image's own, then marks the image {@code deleted}. */
    void remove(ImageStore.Image image) {
        if (image.tag() != null && image.digest() != null && !images.sharedByAnother(image)) {
            try {
                String current = manifests.get(image.repository(), image.tag(), false).digest().toString();
                if (current.equals(image.digest())) manifests.delete(image.repository(), image.tag());
            } catch (RegistryException e) {
                // The tag is gone already (an earlier attempt, or someone deleted it): nothing left to remove.
            } catch (RuntimeException e) {
                throw JobFailure.transientError("could not delete " + image.repository() + ":" + image.tag()
                        + ": " + e.getMessage(), e);
            }
        }
        images.deleted(image.id(), clock.millis());
    }
}
