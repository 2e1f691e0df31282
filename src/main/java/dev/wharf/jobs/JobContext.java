package dev.wharf.jobs;

/** What a running handler may tell its job: steps, progress, and whether it should stop. */
public interface JobContext {
    /** Starts a new step (the previous one is completed). */
    void step(String caption, String description);

    /** Progress of the current task; written to the database at most about once a second. */
    void progress(long bytesDone, long bytesTotal, int layersDone, int layersTotal);

    /** An output value of the task (e.g. the imported digest), shown in the job's task output. */
    void output(String key, String value);

    /** @throws JobFailure if the job was cancelled or this worker lost its lease */
    void checkCancelled();
}
