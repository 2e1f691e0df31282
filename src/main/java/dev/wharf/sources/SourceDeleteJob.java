package dev.wharf.sources;

import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobHandler;
import dev.wharf.storage.meta.Database;
import java.time.Clock;

/**
 * Finishes deleting a source: its images become {@code deleted} and the source too. The registry repository the
 * imports wrote into is left alone (tags may be in use by others); registry garbage collection owns the bytes.
 */
final class SourceDeleteJob implements JobHandler {
    private final Database database;
    private final Clock clock;

    SourceDeleteJob(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    @Override
    public String type() {
        return SourceService.DELETE_JOB;
    }

    @Override
    public void run(Job job, JobContext context) {
        String id = job.input().path("source_id").asText();
        context.step("Delete", "Deleting the image source and its images");
        long now = clock.millis();
        database.inWriteTransaction(h -> {
            h.createUpdate("UPDATE images SET state = 'deleted', state_changed = :now, updated_at = :now,"
                            + " deleted_at = :now WHERE source_id = :id AND state <> 'deleted'")
                    .bind("now", now).bind("id", id).execute();
            return h.createUpdate("UPDATE image_sources SET state = 'deleted', state_changed = :now,"
                            + " updated_at = :now, deleted_at = :now WHERE id = :id")
                    .bind("now", now).bind("id", id).execute();
        });
    }
}
