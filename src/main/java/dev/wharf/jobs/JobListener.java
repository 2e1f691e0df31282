package dev.wharf.jobs;

/**
 * Told when a job has ended for good (after its final state is stored), on the worker's thread. Used to report
 * the end of imports and builds to webhooks; a listener must be quick and must not throw.
 */
@FunctionalInterface
public interface JobListener {
    void finished(Job job, boolean completed, String error);
}
