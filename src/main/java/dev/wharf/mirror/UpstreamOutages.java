package dev.wharf.mirror;

import dev.wharf.upstream.UpstreamException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstreams that failed as down (unreachable, no answer within the timeout, 5xx, 429), per mirror definition. For
 * {@link #PAUSE} after such a failure, or as long as the upstream asked with {@code Retry-After} (up to
 * {@link #MAX_PAUSE}), the mirror's upstream requests fail at once with it; after that, one request at a time
 * tries the upstream again (the others keep failing at once) until one gets an answer. Without this, every pull
 * of a tag due for its check waited {@code mirrors.upstream_timeout} for a hanging upstream before it was served
 * stale, and a mirror kept sending requests to an upstream that answered 429.
 */
final class UpstreamOutages {
    /** How long a mirror leaves an upstream alone after it failed as down. */
    static final Duration PAUSE = Duration.ofSeconds(5);
    /**
     * The longest a Retry-After keeps a mirror from asking. Docker Hub's pull limit counts over hours, but a
     * rate-limited upstream's 429 costs nothing, and credentials changed meanwhile (a new definition) or a limit
     * lifted early are noticed within this.
     */
    static final Duration MAX_PAUSE = Duration.ofMinutes(10);
    private static final Logger log = LoggerFactory.getLogger(UpstreamOutages.class);

    private static final class Outage {
        final Instant since;
        volatile Instant failedAt;
        /** When one request may ask the upstream again. */
        volatile Instant retryAt;
        volatile UpstreamException last;
        final AtomicBoolean trying = new AtomicBoolean();

        Outage(Instant since, UpstreamException first) {
            this.since = since;
            failed(since, first);
        }

        void failed(Instant at, UpstreamException e) {
            last = e;
            retryAt = at.plus(pauseAfter(e));
            failedAt = at;
        }
    }

    /** {@link #PAUSE}, or the upstream's Retry-After when longer, up to {@link #MAX_PAUSE}. */
    static Duration pauseAfter(UpstreamException e) {
        Duration asked = e.retryAfter().orElse(PAUSE);
        return asked.compareTo(PAUSE) < 0 ? PAUSE : asked.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : asked;
    }

    private final Clock clock;
    private final MirrorMetrics metrics;
    /** By mirror definition (name and update time): a changed upstream starts healthy. */
    private final ConcurrentHashMap<String, Outage> down = new ConcurrentHashMap<>();

    UpstreamOutages(Clock clock, MirrorMetrics metrics) {
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Runs {@code work} (one upstream request) unless the upstream is down: then it throws the last failure's
     * reason at once, without asking, counted in {@code wharf_mirror_upstream_skipped_total}.
     */
    <T> T guard(Mirror m, String definition, Supplier<T> work) {
        Outage outage = down.get(definition);
        boolean trying = false;
        if (outage != null) {
            Instant now = clock.instant();
            Instant retryAt = outage.retryAt;
            if (now.isBefore(retryAt) || !outage.trying.compareAndSet(false, true)) {
                metrics.skipped(m.name());
                // Whole seconds, rounded up: a client told to come back then finds the upstream asked again.
                long seconds = Math.max(1, (Duration.between(now, retryAt).toMillis() + 999) / 1000);
                throw new UpstreamException(outage.last.reason(), outage.last.getMessage() + "; the upstream failed"
                        + " " + Duration.between(outage.failedAt, now).toSeconds() + " s ago and is asked again "
                        + (now.isBefore(retryAt) ? "in " + seconds + " s" : "by a request under way"),
                        Duration.ofSeconds(now.isBefore(retryAt) ? seconds : 1));
            }
            trying = true;
        }
        try {
            T result = work.get();
            answered(m, definition);
            return result;
        } catch (UpstreamException e) {
            if (!isDown(e)) {
                answered(m, definition); // a 404 or a refusal is an answer: the upstream is up
                throw e;
            }
            failed(m, definition, e);
            // The client is told the wait this node keeps, not a shorter one the upstream asked for (or none):
            // coming back sooner would only be failed at once.
            throw new UpstreamException(e.reason(), e.getMessage(), pauseAfter(e));
        } finally {
            if (trying) outage.trying.set(false);
        }
    }

    /** An outage as this node sees it now: since when, the last failure (Wharf's words), when it asks again. */
    record Seen(Instant since, String lastFailure, Instant retryAt) {}

    /** The outage of this mirror definition's upstream on this node, if it is down. */
    Optional<Seen> of(String definition) {
        Outage outage = down.get(definition);
        return outage == null ? Optional.empty()
                : Optional.of(new Seen(outage.since, outage.last.getMessage(), outage.retryAt));
    }

    private static boolean isDown(UpstreamException e) {
        return e.reason() == UpstreamException.Reason.UNREACHABLE || e.reason() == UpstreamException.Reason.SERVER;
    }

    private void failed(Mirror m, String definition, UpstreamException e) {
        Instant now = clock.instant();
        Outage known = down.get(definition);
        if (known != null) {
            known.failed(now, e);
            return;
        }
        down.keySet().removeIf(k -> k.startsWith(m.name() + "|") && !k.equals(definition));
        if (down.putIfAbsent(definition, new Outage(now, e)) == null) {
            log.warn("mirror {}: upstream {} is down ({}); its requests fail at once for {} s after each failure"
                    + " (longer when it asks with Retry-After, up to {} s; cached tags are served stale), then one"
                    + " request tries it again", m.name(), m.upstream(), e.getMessage(), PAUSE.toSeconds(),
                    MAX_PAUSE.toSeconds());
        }
    }

    private void answered(Mirror m, String definition) {
        Outage ended = down.remove(definition);
        if (ended != null) {
            log.info("mirror {}: upstream {} answers again, after {} s", m.name(), m.upstream(),
                    Duration.between(ended.since, clock.instant()).toSeconds());
        }
    }
}
