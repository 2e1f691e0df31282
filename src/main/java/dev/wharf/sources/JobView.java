package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobState;
import dev.wharf.model.ObjectId;
import java.time.Duration;

/**
 * Renders jobs as Cycle's Job (one task per job, whose steps and output carry the progress) and as the
 * JobDescriptor that endpoints creating jobs return.
 */
final class JobView {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Cycle jobs expire; Wharf keeps them, so "expires" is only informative. */
    private static final Duration EXPIRES_AFTER = Duration.ofDays(30);

    private JobView() {}

    static ObjectNode descriptor(String action, Job job) {
        ObjectNode d = F.objectNode().put("action", action);
        ObjectNode j = d.putObject("job").put("id", job.id()).put("accepted", true).put("queue", queue(job))
                .put("schedule", CycleTime.of(job.createdAt()));
        j.putObject("parallel").put("tasks", false).putNull("sub_queue");
        ObjectNode task = j.putArray("tasks").addObject().put("caption", job.caption()).put("header", job.type());
        task.putArray("steps");
        task.set("input", job.input());
        return d;
    }

    static ObjectNode job(Job job) {
        ObjectNode o = F.objectNode().put("id", job.id()).put("hub_id", job.hub()).put("queue", queue(job))
                .put("caption", job.caption());
        o.putObject("events").put("queued", CycleTime.of(job.createdAt())).put("started", CycleTime.of(job.startedAt()))
                .put("completed", CycleTime.of(job.completedAt()));
        o.put("schedule", CycleTime.of(job.nextAttemptAt()))
                .put("expires", CycleTime.of(job.createdAt().plus(EXPIRES_AFTER)))
                .put("hash", job.id()).put("limit_duplicates", false);
        o.set("creator", F.objectNode().put("id", ObjectId.ofLong(job.creatorUserId())).put("type", "account"));
        o.putArray("tasks").add(task(job));
        ObjectNode state = o.putObject("state").put("current", job.state().wire())
                .put("changed", CycleTime.of(job.updatedAt()));
        if (job.error() != null) {
            state.putObject("error").put("message", job.error());
        } else {
            state.putNull("error");
        }
        o.putObject("meta").put("attempts", job.attempts()).put("max_attempts", job.maxAttempts());
        return o;
    }

    private static ObjectNode task(Job job) {
        ObjectNode t = F.objectNode().put("id", job.id()).put("caption", job.caption()).put("header", job.type());
        t.putObject("events").put("queued", CycleTime.of(job.createdAt())).put("started", CycleTime.of(job.startedAt()))
                .put("completed", CycleTime.of(job.completedAt()));
        ArrayNode steps = t.putArray("steps");
        for (JsonNode s : job.progress().path("steps")) {
            steps.addObject().put("caption", s.path("caption").asText()).put("description", s.path("description").asText())
                    .put("started", CycleTime.ofMillis(s.path("started").asLong(0)))
                    .put("completed", CycleTime.ofMillis(s.path("completed").asLong(0)));
        }
        String current = switch (job.state()) {
            case NEW, QUEUED -> "pending";
            case RUNNING -> "running";
            case COMPLETED -> "completed";
            case ERROR -> "error";
        };
        t.putObject("state").put("current", current).put("changed", CycleTime.of(job.updatedAt()));
        t.set("input", job.input());
        JsonNode output = job.progress().path("output");
        t.set("output", output.isObject() ? output : F.nullNode());
        if (job.state() == JobState.ERROR || job.error() != null) {
            t.putObject("error").put("message", job.error() == null ? "" : job.error());
        } else {
            t.putNull("error");
        }
        return t;
    }

    private static String queue(Job job) {
        return "hub-" + job.hub();
    }
}
