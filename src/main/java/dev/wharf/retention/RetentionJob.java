package dev.wharf.retention;

import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobHandler;

/**
 * Runs a retention scope: plans each repository afresh and deletes its candidates. Idempotent: a second attempt
 * plans again and finds what the first left. Outputs the totals ({@code images_deleted}, {@code tags_deleted},
 * {@code images_kept_after_change}, {@code bytes_freed}).
 */
public final class RetentionJob implements JobHandler {
    private final RetentionService service;

    public RetentionJob(RetentionService service) {
        this.service = service;
    }

    @Override
    public String type() {
        return RetentionService.JOB_TYPE;
    }

    @Override
    public void run(Job job, JobContext context) {
        String namespace = job.input().path("namespace").asText();
        String repository = job.input().path("repository").asText("");
        int images = 0, tags = 0, kept = 0;
        long bytes = 0;
        for (RetentionPlan plan : service.preview(namespace, repository)) {
            context.checkCancelled();
            context.step("retention", plan.repository() + ": " + plan.candidates().size() + " candidates");
            RetentionService.Outcome o = service.execute(plan);
            images += o.imagesDeleted();
            tags += o.tagsDeleted();
            kept += o.imagesKeptAfterChange();
            bytes += Math.max(0, o.bytesFreed());
        }
        context.output("images_deleted", Integer.toString(images));
        context.output("tags_deleted", Integer.toString(tags));
        context.output("images_kept_after_change", Integer.toString(kept));
        context.output("bytes_freed", Long.toString(bytes));
    }
}
