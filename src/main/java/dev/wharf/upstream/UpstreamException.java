package dev.wharf.upstream;

import java.time.Duration;
import java.util.Optional;

/** A failed call to an upstream registry, with a reason callers can act on and a message users can read. */
public final class UpstreamException extends RuntimeException {
    public enum Reason {
        /** DNS failure, connection refused, timeout: worth retrying. */
        UNREACHABLE,
        /** The registry refused the credentials (or needs some): retrying cannot help. */
        UNAUTHORIZED,
        NOT_FOUND,
        TOO_LARGE,
        /** The registry answered something that is not the Distribution protocol, or bytes did not verify. */
        PROTOCOL,
        /** A 5xx or 429 from the registry: worth retrying. */
        SERVER,
        /** The address is not allowed by the outbound policy: retrying cannot help. */
        DENIED
    }

    private final Reason reason;
    /** How long the registry asked to be left alone (its Retry-After), or null. */
    private final Duration retryAfter;

    public UpstreamException(Reason reason, String message) {
        this(reason, message, null);
    }

    public UpstreamException(Reason reason, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.reason = reason;
        this.retryAfter = retryAfter;
    }

    public Reason reason() {
        return reason;
    }

    /** The wait the registry asked for with Retry-After (a 429 or 503), when it did. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public boolean isTransient() {
        return reason == Reason.UNREACHABLE || reason == Reason.SERVER;
    }
}
