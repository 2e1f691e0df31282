package dev.wharf.mirror;

import dev.wharf.upstream.UpstreamException;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cached content served because the upstream failed: counted in {@code wharf_mirror_stale_serves_total}, and logged
 * once per revalidation interval (at least a minute) per mirror, as the upstream stays down.
 */
final class StaleServes {
    /** Logs under the mirror service's name, as before it was split out: operators' log filters keep working. */
    private static final Logger log = LoggerFactory.getLogger(MirrorService.class);

    private final MirrorMetrics metrics;
    private final LogEvery logged;

    StaleServes(MirrorMetrics metrics, Clock clock) {
        this.metrics = metrics;
        this.logged = new LogEvery(clock);
    }

    /** {@code what} (a tag, a tag list) was served from the cache because of {@code e}. */
    void served(Mirror m, String what, UpstreamException e) {
        metrics.stale(m.name());
        Duration every = m.revalidateAfter().compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMinutes(1)
                : m.revalidateAfter();
        if (logged.due(m.name(), every)) {
            log.warn("mirror {}: upstream {} failed ({}); serving cached content, e.g. {} (logged once per {})",
                    m.name(), m.upstream(), e.getMessage(), what, every);
        }
    }
}
