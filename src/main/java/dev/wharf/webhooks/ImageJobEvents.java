package dev.wharf.webhooks;

import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobListener;
import dev.wharf.storage.meta.Database;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reports the end of image imports and builds (Cycle jobs) as webhook events of the repository they write into.
 * Queued in a transaction of its own right after the job's final state is stored: a node dying in between loses
 * that one event (the job's state, which receivers can poll through /v1/jobs, is never lost).
 */
public final class ImageJobEvents implements JobListener {
    private static final String IMPORT = "image.import";
    private static final String TARBALL_IMPORT = "image.import-tarball";
    private static final String BUILD = "image.build";

    private final Database database;
    private final WebhookOutbox outbox;
    private final Clock clock;

    public ImageJobEvents(Database database, WebhookOutbox outbox, Clock clock) {
        this.database = database;
        this.outbox = outbox;
        this.clock = clock;
    }

    @Override
    public void finished(Job job, boolean completed, String error) {
        WebhookEvent event = switch (job.type()) {
            case IMPORT, TARBALL_IMPORT -> completed ? WebhookEvent.IMPORT_COMPLETED : WebhookEvent.IMPORT_FAILED;
            case BUILD -> completed ? WebhookEvent.BUILD_COMPLETED : WebhookEvent.BUILD_FAILED;
            default -> null;
        };
        if (event == null) return;
        String imageId = job.input().path("image_id").asText();
        database.inWriteTransaction(h -> {
            Optional<Map<String, Object>> image = h.createQuery("SELECT i.repository, i.tag, i.digest, u.username"
                            + " FROM images i LEFT JOIN users u ON u.id = i.creator_user_id WHERE i.id = :id")
                    .bind("id", imageId).mapToMap().findOne();
            if (image.isEmpty()) return null; // deleted meanwhile: nothing left to report on
            Map<String, Object> row = image.get();
            Map<String, String> data = new LinkedHashMap<>();
            data.put("image_id", imageId);
            data.put("job_id", job.id());
            if (row.get("tag") != null) data.put("tag", row.get("tag").toString());
            if (row.get("digest") != null) data.put("digest", row.get("digest").toString());
            if (error != null) data.put("error", error);
            String actor = row.get("username") == null ? "wharf" : row.get("username").toString();
            outbox.publish(h, event, row.get("repository").toString(), actor, data, clock.instant());
            return null;
        });
    }
}
