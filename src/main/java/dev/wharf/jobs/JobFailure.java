package dev.wharf.jobs;

/**
 * Why a job failed, in words a user can act on ("cannot reach registry.example.com: connection refused").
 * Transient failures are retried with exponential backoff until the job's attempts run out; permanent ones
 * (wrong credentials, tag not found) end the job at once, since retrying cannot help.
 */
public final class JobFailure extends RuntimeException {
    private final boolean transientFailure;

    private JobFailure(String message, boolean transientFailure, Throwable cause) {
        super(message, cause, false, false);
        this.transientFailure = transientFailure;
    }

    public static JobFailure permanent(String message) {
        return new JobFailure(message, false, null);
    }

    public static JobFailure transientError(String message, Throwable cause) {
        return new JobFailure(message, true, cause);
    }

    public boolean isTransient() {
        return transientFailure;
    }
}
