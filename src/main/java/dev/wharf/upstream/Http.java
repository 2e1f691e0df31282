package dev.wharf.upstream;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** Readable {@link UpstreamException}s for registry answers that are not success. */
final class Http {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Http() {}

    /**
     * Reads and drops a little of the body, so the connection can be reused; never shown to anyone: what reaches
     * users is in Wharf's own words (the status, and a Retry-After read as a number), not the peer's bytes.
     */
    static void drain(OutboundResponse r) {
        try {
            r.readAtMost(2048);
        } catch (IOException e) {
            // nothing to do: the response is closed either way
        }
    }

    /** The registry's answer for a status that is not success, as an exception with a readable message. */
    static UpstreamException failure(OutboundResponse r, String what) {
        drain(r);
        int s = r.status();
        if (s == 401 || s == 403) {
            return new UpstreamException(UpstreamException.Reason.UNAUTHORIZED, "the registry refused access to "
                    + what + " (HTTP " + s + "): wrong or missing credentials");
        }
        if (s == 404) return new UpstreamException(UpstreamException.Reason.NOT_FOUND, what + " not found");
        if (s == 429 || s >= 500) {
            Optional<Duration> wait = RetryAfter.of(r);
            return new UpstreamException(UpstreamException.Reason.SERVER, "the registry failed on " + what
                    + " (HTTP " + s + wait.map(w -> "; it asks to be left alone for " + w.toSeconds() + " s")
                            .orElse("") + ")", wait.orElse(null));
        }
        return new UpstreamException(UpstreamException.Reason.PROTOCOL, "unexpected HTTP " + s + " for " + what);
    }
}
