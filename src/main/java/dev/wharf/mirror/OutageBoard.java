package dev.wharf.mirror;

import dev.wharf.upstream.UpstreamException;
import java.time.Instant;
import java.util.Optional;

/**
 * Where the nodes of a cluster tell each other that a mirror's upstream is down ({@link UpstreamOutages}): with
 * redis.url set, a node that finds Docker Hub answering 429 or hanging posts it here, and the other nodes leave the
 * upstream alone until the time posted instead of each finding out for itself (one more 429, or one more timeout,
 * per node and pause). Without Redis, or while it does not answer, {@link #NONE}: each node on its own, as before.
 * Keyed by the mirror's definition (name and update time), so a changed upstream or credentials start afresh.
 */
public interface OutageBoard {
    /**
     * An outage as a node saw it: since when, its last failure (Wharf's words and reason, never the upstream's
     * bytes or credentials) and when it may be asked again.
     */
    record Posted(Instant since, Instant failedAt, Instant retryAt, UpstreamException.Reason reason,
            String message) {}

    /** The outage posted for this definition, if any (it may be over: compare retryAt with the clock). */
    Optional<Posted> read(String definition);

    /** Posts (or replaces) the definition's outage. */
    void post(String definition, Posted outage);

    /** The upstream answered: its outage is over. */
    void clear(String definition);

    /** A node on its own: nothing is shared. */
    OutageBoard NONE = new OutageBoard() {
        @Override
        public Optional<Posted> read(String definition) {
            return Optional.empty();
        }

        @Override
        public void post(String definition, Posted outage) {}

        @Override
        public void clear(String definition) {}
    };
}
