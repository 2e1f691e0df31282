package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobHandler;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Prunes the images of some sources ({@code POST /v1/images/tasks} with {@code prune}). Cycle prunes images no
 * container uses; Wharf has no containers, so an image is in use when it is its source's current image: the
 * {@code live} image whose import finished last. Pruned are the other {@code live} images (superseded by a
 * newer import) and {@code new} images whose import failed ({@code state.error} set). Images never imported yet,
 * those on their way (downloading, building, …) and those already being deleted are left alone. A pruned image is deleted as
 * {@code DELETE /v1/images/{id}} would: its tag goes only if it still names that image's digest and no other
 * image holds it, and the bytes stay for registry garbage collection.
 */
final class PruneJob implements JobHandler {
    static final String TYPE = "images.prune";

    private final ImageStore images;
    private final ImageDeleteJob deletes;
    private final Clock clock;

    PruneJob(ImageStore images, ImageDeleteJob deletes, Clock clock) {
        this.images = images;
        this.deletes = deletes;
        this.clock = clock;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void run(Job job, JobContext ctx) {
        int pruned = 0;
        for (JsonNode id : job.input().path("source_ids")) {
            ctx.step("Prune", "Pruning the unused images of source " + id.asText());
            for (ImageStore.Image image : unused(job.hub(), id.asText())) {
                ctx.checkCancelled();
                images.deleting(image.id(), clock.millis());
                deletes.remove(image);
                pruned++;
                ctx.output("pruned", Integer.toString(pruned));
            }
        }
        ctx.output("pruned", Integer.toString(pruned));
    }

    /** The source's images that are neither its current image nor on their way. */
    List<ImageStore.Image> unused(String hub, String sourceId) {
        List<ImageStore.Image> ofSource = images.list(hub).stream().filter(i -> sourceId.equals(i.sourceId())).toList();
        Optional<ImageStore.Image> current = ofSource.stream().filter(i -> "live".equals(i.state()))
                .max(Comparator.comparing(ImageStore.Image::stateChanged).thenComparing(ImageStore.Image::id));
        return ofSource.stream()
                .filter(i -> "live".equals(i.state()) || ("new".equals(i.state()) && i.stateError() != null))
                .filter(i -> current.isEmpty() || !current.get().id().equals(i.id())).toList();
    }
}
