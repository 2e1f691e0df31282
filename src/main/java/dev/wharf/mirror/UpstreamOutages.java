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
 *
 * <p>With an {@link OutageBoard} shared by the cluster (Redis), what one node finds is posted there, and a node that
 * would ask the upstream (healthy as far as it knows, or its own pause over) first reads the board: an outage posted
 * by another node, still within its pause, is taken over without asking. So the cluster, not each node, sends the
 * upstream one request per pause.
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

        /** An outage another node posted. */
        Outage(OutageBoard.Posted posted) {
            this.since = posted.since();
            takeOver(posted);
        }

        void failed(Instant at, UpstreamException e) {
            last = e;
            retryAt = at.plus(pauseAfter(e));
            failedAt = at;
        }

        void takeOver(OutageBoard.Posted posted) {
            last = new UpstreamException(posted.reason(), posted.message() + " (found by another node)");
            retryAt = posted.retryAt();
            failedAt = posted.failedAt();
        }

        OutageBoard.Posted posted() {
            return new OutageBoard.Posted(since, failedAt, retryAt, last.reason(), last.getMessage());
        }
    }

    /** {@link #PAUSE}, or the upstream's Retry-After when longer, up to {@link #MAX_PAUSE}. */
    static Duration pauseAfter(UpstreamException e) {
        Duration asked = e.retryAfter().orElse(PAUSE);
        return asked.compareTo(PAUSE) < 0 ? PAUSE : asked.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : asked;
    }

    private final Clock clock;
    private final MirrorMetrics metrics;
    private final OutageBoard board;
    /** By mirror definition (name and update time): a changed upstream starts healthy. */
    private final ConcurrentHashMap<String, Outage> down = new ConcurrentHashMap<>();

    UpstreamOutages(Clock clock, MirrorMetrics metrics) {
        this(clock, metrics, OutageBoard.NONE);
    }

    UpstreamOutages(Clock clock, MirrorMetrics metrics, OutageBoard board) {
        this.clock = clock;
        this.metrics = metrics;
        this.board = board;
    }

    /**
     * Runs {@code work} (one upstream request) unless the upstream is down: then it throws the last failure's
     * reason at once, without asking, counted in {@code wharf_mirror_upstream_skipped_total}.
     */
    <T> T guard(Mirror m, String definition, Supplier<T> work) {
        Outage outage = down.get(definition);
        if (outage == null || !clock.instant().isBefore(outage.retryAt)) {
            // About to ask the upstream: unless another node found it down (again) meanwhile.
            outage = fromBoard(m, definition, outage);
        }
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

    /**
     * {@code known} (this node's outage, null if none) as the board has it, when another node posted a pause that is
     * not over: taken over, or, when the board has nothing newer, {@code known} unchanged.
     */
    private Outage fromBoard(Mirror m, String definition, Outage known) {
        Optional<OutageBoard.Posted> posted = board.read(definition);
        Instant now = clock.instant();
        if (posted.isEmpty() || !now.isBefore(posted.get().retryAt())) return known;
        if (known != null) {
            if (posted.get().retryAt().isAfter(known.retryAt)) known.takeOver(posted.get());
            return known;
        }
        Outage taken = new Outage(posted.get());
        Outage raced = down.putIfAbsent(definition, taken);
        if (raced != null) return raced;
        down.keySet().removeIf(k -> k.startsWith(m.name() + "|") && !k.equals(definition));
        log.warn("mirror {}: upstream {} is down, as another node found ({}); its requests fail at once until {}"
                + " (cached tags are served stale)", m.name(), m.upstream(), posted.get().message(),
                posted.get().retryAt());
        return taken;
    }

    /** An outage as this node sees it now: since when, the last failure (Wharf's words), when it asks again. */
    record Seen(Instant since, String lastFailure, Instant retryAt) {}

    /**
     * The outage of this mirror definition's upstream as this node knows it: its own, else one another node posted
     * whose pause is not over (so every node's admin view shows it, not only those that served a pull since).
     */
    Optional<Seen> of(String definition) {
        Outage outage = down.get(definition);
        if (outage != null) return Optional.of(new Seen(outage.since, outage.last.getMessage(), outage.retryAt));
        return board.read(definition).filter(p -> clock.instant().isBefore(p.retryAt()))
                .map(p -> new Seen(p.since(), p.message() + " (found by another node)", p.retryAt()));
    }

    private static boolean isDown(UpstreamException e) {
        return e.reason() == UpstreamException.Reason.UNREACHABLE || e.reason() == UpstreamException.Reason.SERVER;
    }

    private void failed(Mirror m, String definition, UpstreamException e) {
        Instant now = clock.instant();
        Outage known = down.get(definition);
        if (known != null) {
            known.failed(now, e);
            board.post(definition, known.posted());
            return;
        }
        down.keySet().removeIf(k -> k.startsWith(m.name() + "|") && !k.equals(definition));
        Outage outage = new Outage(now, e);
        Outage raced = down.putIfAbsent(definition, outage);
        if (raced != null) {
            raced.failed(now, e);
            board.post(definition, raced.posted());
            return;
        }
        board.post(definition, outage.posted());
        log.warn("mirror {}: upstream {} is down ({}); its requests fail at once for {} s after each failure"
                + " (longer when it asks with Retry-After, up to {} s; cached tags are served stale), then one"
                + " request tries it again", m.name(), m.upstream(), e.getMessage(), PAUSE.toSeconds(),
                MAX_PAUSE.toSeconds());
    }

    private void answered(Mirror m, String definition) {
        Outage ended = down.remove(definition);
        if (ended != null) {
            board.clear(definition);
            log.info("mirror {}: upstream {} answers again, after {} s", m.name(), m.upstream(),
                    Duration.between(ended.since, clock.instant()).toSeconds());
        }
    }
}
