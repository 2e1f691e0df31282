package dev.wharf.mirror;

import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import dev.wharf.upstream.UpstreamException;
import java.time.Duration;
import java.util.Map;

/** How an upstream's failure reaches a mirror's client: as an OCI error that names the mirror and its upstream. */
final class MirrorErrors {
    private MirrorErrors() {}

    /**
     * The registry error for {@code e}: {@code notFound} for a 404, DENIED for refused credentials or addresses,
     * UNAVAILABLE (with Retry-After when the wait is known) for an upstream that is down.
     */
    static RegistryException of(Mirror m, UpstreamException e, OciError notFound, String repository,
            String reference) {
        String message = "mirror " + m.name() + ": " + e.getMessage() + " (upstream " + m.upstream() + ")";
        OciError code = switch (e.reason()) {
            case NOT_FOUND -> notFound;
            case UNAUTHORIZED, DENIED -> OciError.DENIED;
            case TOO_LARGE -> OciError.MANIFEST_TOO_LARGE;
            case UNREACHABLE, SERVER, PROTOCOL -> OciError.UNAVAILABLE;
        };
        Map<String, String> headers = Map.of();
        if (code == OciError.UNAVAILABLE && e.retryAfter().isPresent()) {
            headers = Map.of("Retry-After", String.valueOf(retryAfterSeconds(e.retryAfter().get())));
        }
        return new RegistryException(code, message, Map.of("name", repository, "reference", reference,
                "upstream", m.upstream()), headers);
    }

    /** What a client is told to wait: at least a second, and no longer than the mirror itself waits. */
    private static long retryAfterSeconds(Duration wait) {
        Duration capped = wait.compareTo(UpstreamOutages.MAX_PAUSE) > 0 ? UpstreamOutages.MAX_PAUSE : wait;
        return Math.max(1, capped.toSeconds());
    }
}
