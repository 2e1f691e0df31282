package dev.wharf.jobs;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;

/** The {@link JobContext} of one attempt: keeps steps and progress in memory and saves them now and then. */
final class RunningJob implements JobContext {
    private static final long SAVE_EVERY_MILLIS = 1000;

    private final JobStore store;
    private final Job job;
    private final String worker;
    private final Clock clock;
    private final ObjectNode progress;
    private volatile String stopReason;
    private long lastSave;

    RunningJob(JobStore store, Job job, String worker, Clock clock) {
        this.store = store;
        this.job = job;
        this.worker = worker;
        this.clock = clock;
        // Each attempt starts its steps afresh; the output of an earlier attempt is kept until overwritten.
        this.progress = job.progress().deepCopy();
        this.progress.putArray("steps");
        if (!progress.has("output")) progress.putObject("output");
    }

    String id() {
        return job.id();
    }

    String worker() {
        return worker;
    }

    void lose() {
        stopReason = "this worker lost the job's lease to another worker";
    }

    void cancel() {
        stopReason = "cancelled";
    }

    void stop() {
        if (stopReason == null) stopReason = "the server is stopping";
    }

    boolean lostOrStopped() {
        return stopReason != null && !"cancelled".equals(stopReason);
    }

    @Override
    public synchronized void step(String caption, String description) {
        ArrayNode steps = (ArrayNode) progress.get("steps");
        completeLast(steps);
        steps.addObject().put("caption", caption).put("description", description).put("started", clock.millis());
        save(true);
    }

    @Override
    public synchronized void progress(long bytesDone, long bytesTotal, int layersDone, int layersTotal) {
        ObjectNode out = (ObjectNode) progress.get("output");
        out.put("bytes_done", Long.toString(bytesDone)).put("bytes_total", Long.toString(bytesTotal))
                .put("layers_done", Integer.toString(layersDone)).put("layers_total", Integer.toString(layersTotal));
        save(false);
    }

    @Override
    public synchronized void output(String key, String value) {
        ((ObjectNode) progress.get("output")).put(key, value);
        save(false);
    }

    @Override
    public void checkCancelled() {
        String reason = stopReason;
        if (reason != null) throw JobFailure.permanent(reason);
    }

    /** The final progress document: the last step completed if the attempt succeeded. */
    synchronized ObjectNode finish(boolean success) {
        if (success) completeLast((ArrayNode) progress.get("steps"));
        return progress.deepCopy();
    }

    private void completeLast(ArrayNode steps) {
        if (!steps.isEmpty()) {
            ObjectNode last = (ObjectNode) steps.get(steps.size() - 1);
            if (!last.has("completed")) last.put("completed", clock.millis());
        }
    }

    private void save(boolean force) {
        long now = clock.millis();
        if (!force && now - lastSave < SAVE_EVERY_MILLIS) return;
        lastSave = now;
        store.saveProgress(job.id(), worker, progress.deepCopy());
    }
}
