package dev.wharf.jobs;

/**
 * Runs one type of job. Handlers must be idempotent: after a crash or an expired lease another worker runs the
 * job again from the start, so every step must tolerate having been done before (content-addressed writes do).
 */
public interface JobHandler {
    /** The {@code type} column this handler runs, e.g. {@code image.import}. */
    String type();

    /**
     * @throws JobFailure for failures with a user-facing reason; any other exception is treated as transient and
     *     reported as an internal error
     */
    void run(Job job, JobContext context) throws Exception;

    /** Called once when the job ends in {@code error} for good, so the handler can mark its resources. */
    default void failed(Job job, String message) {}
}
