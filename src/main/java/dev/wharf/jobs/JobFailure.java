package dev.wharf.jobs;

import java.time.Duration;
import java.util.Optional;

/**
 * Why a job failed, in words a user can act on ("cannot reach registry.example.com: connection refused").
 * Transient failures are retried with exponential backoff until the job's attempts run out; permanent ones
 * (wrong credentials, tag not found) end the job at once, since retrying cannot help. A transient failure may
 * carry the wait its peer asked for (a registry's or a webhook receiver's {@code Retry-After}): the next attempt
 * then waits at least that long ({@link WorkerPool}).
 */
public final class JobFailure extends RuntimeException {
    private final boolean transientFailure;
    private final Duration retryAfter;

    private JobFailure(String message, boolean transientFailure, Throwable cause, Duration retryAfter) {
        super(message, cause, false, false);
        this.transientFailure = transientFailure;
        this.retryAfter = retryAfter;
    }

    public static JobFailure permanent(String message) {
        return new JobFailure(message, false, null, null);
    }

    public static JobFailure transientError(String message, Throwable cause) {
        return new JobFailure(message, true, cause, null);
    }

    /** @param retryAfter the wait the peer asked for, or null */
    public static JobFailure transientError(String message, Throwable cause, Duration retryAfter) {
        return new JobFailure(message, true, cause, retryAfter);
    }

    /** The wait the peer asked for before the next attempt, when it asked. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public boolean isTransient() {
        return transientFailure;
    }
}
