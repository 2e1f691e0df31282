package dev.wharf.auth;

import dev.wharf.storage.LoopFailures;
import dev.wharf.storage.meta.Database;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How fresh this node's cached authorization state is. The database keeps two counters in {@code auth_versions}
 * that triggers bump in the same transaction as every change of who a credential is ({@code identity}: users,
 * access tokens) or of what a principal may do ({@code access}: privacy, repository existence, memberships,
 * teams, restricted images). This class turns them into local generations that caches tag their entries with:
 * an entry made under an older generation is not used.
 *
 * <p>The counters are read again
 * <ul>
 *   <li>after every write transaction this node commits ({@link Database#afterWrite}), before that write's
 *       request is answered: a change takes effect at once on the node that made it;
 *   <li>every {@link #POLL} by a thread of its own: a change made on another node (or by the admin CLI) takes
 *       effect here within one poll, about a second.
 * </ul>
 * If polling falls behind (a stalled thread, an unreachable database), {@link #fresh()} turns false once the last
 * successful read started more than {@link #MAX_STALENESS} ago, and callers must then not use cached state at
 * all. So no cached decision outlives a change by more than {@link #MAX_STALENESS}, whatever happens.
 */
public final class AuthorizationEpoch implements AutoCloseable {
    /** How often the counters are read. */
    public static final Duration POLL = Duration.ofSeconds(1);
    /** The documented bound: cached state is never used when the last read of the counters is older. */
    public static final Duration MAX_STALENESS = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(AuthorizationEpoch.class);

    /** A pair of local generations; {@code any} moves whenever {@code identity} or the access counter moves. */
    public record Generation(long identity, long any) {}

    private final Database database;
    /** A database outage fails this poll every second: logged once, then once a minute, and its end. */
    private final LoopFailures pollFailures = new LoopFailures(log, "reading the authorization versions");
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    private ScheduledExecutorService poller;
    private volatile Generation generation = new Generation(0, 0);
    private long seenIdentity = -1;
    private long seenAccess = -1;
    private volatile long lastReadStartedNanos = System.nanoTime() - MAX_STALENESS.toNanos() - 1;

    public AuthorizationEpoch(Database database) {
        this.database = database;
    }

    /** Reads the counters once now, re-reads them after each of this node's writes, and polls from a thread. */
    public AuthorizationEpoch start() {
        refresh();
        database.afterWrite(this::refreshQuietly);
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "wharf-auth-epoch");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::refreshQuietly, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** The current generations; read it before loading what you cache, and tag the entry with it. */
    public Generation current() {
        return generation;
    }

    /** False when cached state must not be used: the counters were last read more than MAX_STALENESS ago. */
    public boolean fresh() {
        return System.nanoTime() - lastReadStartedNanos <= MAX_STALENESS.toNanos();
    }

    /** Reads the counters; a change moves the generations on, which retires every entry tagged before. */
    public void refresh() {
        // A lock rather than synchronized: request threads are virtual, and on JDK 21 a monitor held across the
        // query would pin the carrier thread.
        lock.lock();
        try {
            read();
        } finally {
            lock.unlock();
        }
    }

    private void read() {
        long started = System.nanoTime();
        long[] v = database.queryOne("SELECT identity, access FROM auth_versions WHERE id = 1", s -> { },
                (rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)}).orElseThrow(() ->
                new IllegalStateException("auth_versions has no row"));
        Generation g = generation;
        boolean identityMoved = v[0] != seenIdentity;
        boolean anyMoved = identityMoved || v[1] != seenAccess;
        if (anyMoved) {
            generation = new Generation(g.identity() + (identityMoved ? 1 : 0), g.any() + 1);
            seenIdentity = v[0];
            seenAccess = v[1];
        }
        lastReadStartedNanos = started;
    }

    private void refreshQuietly() {
        try {
            refresh();
            pollFailures.succeeded();
        } catch (RuntimeException e) {
            // fresh() turns false by itself if this goes on; callers then read the database directly.
            pollFailures.failed(e);
        }
    }

    @Override
    public void close() {
        if (poller != null) poller.shutdownNow();
    }
}
