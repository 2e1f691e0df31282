package dev.wharf.gc;

import dev.wharf.audit.AuditContext;
import dev.wharf.ops.Metrics;
import dev.wharf.storage.LoopFailures;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.meta.DeleteGuard;
import dev.wharf.storage.meta.GarbageStore;
import dev.wharf.storage.meta.GarbageStore.BlobRow;
import dev.wharf.storage.meta.GarbageStore.ManifestCandidate;
import dev.wharf.storage.meta.ImageDeletion;
import dev.wharf.storage.meta.MetadataStore;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online garbage collection: a pass deletes untagged manifests past {@code untaggedGrace}, then the blobs no
 * manifest references whose review came due ({@code blobGrace} after the last upload, mount, link or lost
 * reference). The registry keeps serving meanwhile; safety comes from the transactions in {@link GarbageStore}
 * (see docs/ARCHITECTURE.md, "Garbage collection"), so any number of nodes may run passes at the same time.
 *
 * <p>One pass at a time per node: a pass asked for over HTTP or the CLI waits for a scheduled one to end.
 */
public final class GarbageCollector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

    /** Rows per transaction: big enough to amortise a commit, small enough to hold locks only briefly. */
    static final int BATCH = 500;
    /**
     * Blobs per finishing transaction, smaller: it holds its row locks (on SQLite the writer lock) while the bytes
     * are deleted, one storage call per blob.
     */
    static final int FINISH_BATCH = 100;
    /** Reports list at most this many manifests and blobs (the counts are always complete). */
    public static final int REPORT_LIMIT = 1000;

    /** What a pass did, or for a dry run what it would do now. */
    public record Report(boolean dryRun, Instant startedAt, Instant finishedAt, long manifestsDeleted,
            long blobsDeleted, long bytesReclaimed, List<ManifestCandidate> manifests, List<BlobRow> blobs,
            String error) {
        public Duration elapsed() {
            return Duration.between(startedAt, finishedAt);
        }
    }

    private final MetadataStore meta;
    private final GarbageStore store;
    private final BlobStore blobs;
    private final Duration untaggedGrace;
    private final Duration blobGrace;
    private final Clock clock;
    private final String node;
    private final Counters counters;
    private final ReentrantLock passLock = new ReentrantLock(); // not the monitor: close() must not wait for a pass
    private ScheduledExecutorService schedule;

    public GarbageCollector(MetadataStore meta, GarbageStore store, BlobStore blobs, Duration untaggedGrace,
            Duration blobGrace, Clock clock, String node, Metrics metrics) {
        this.meta = meta;
        this.store = store;
        this.blobs = blobs;
        this.untaggedGrace = untaggedGrace;
        this.blobGrace = blobGrace;
        this.clock = clock;
        this.node = node;
        this.counters = new Counters(metrics, store);
    }

    public Duration untaggedGrace() {
        return untaggedGrace;
    }

    public Duration blobGrace() {
        return blobGrace;
    }

    /** Runs a pass every {@code interval} (the first after one interval) on a thread of its own. */
    public synchronized void start(Duration interval) {
        if (schedule != null) throw new IllegalStateException("already started");
        schedule = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "wharf-gc");
            t.setDaemon(true);
            return t;
        });
        long millis = interval.toMillis();
        LoopFailures failures = new LoopFailures(log, "the garbage collection pass");
        schedule.scheduleWithFixedDelay(() -> {
            try {
                Report r = run(false);
                failures.succeeded();
                if (r.manifestsDeleted() > 0 || r.blobsDeleted() > 0) {
                    log.info("garbage collection: {} manifests and {} blobs ({} bytes) deleted in {} ms",
                            r.manifestsDeleted(), r.blobsDeleted(), r.bytesReclaimed(), r.elapsed().toMillis());
                }
            } catch (RuntimeException e) {
                failures.failed(e);
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Runs one pass now; a dry run changes nothing and lists what a pass would delete at this moment. */
    public Report run(boolean dryRun) {
        return run(dryRun, blobGrace);
    }

    /**
     * As {@link #run(boolean)}, with {@code blobGrace} instead of the configured one for this pass only: an
     * administrator who needs the room of just-deleted images now. A blob uploaded within it by a push that has
     * not yet sent its manifest can go too; that push then fails and must be retried (never a blob a stored
     * manifest references).
     */
    public Report run(boolean dryRun, Duration blobGrace) {
        if (blobGrace.isNegative()) throw new IllegalArgumentException("a negative blob grace");
        passLock.lock();
        try {
            return pass(dryRun, blobGrace);
        } finally {
            passLock.unlock();
        }
    }

    private Report pass(boolean dryRun, Duration grace) {
        Instant started = clock.instant();
        Report report;
        try {
            report = dryRun ? dryRun(started, grace) : collect(started, grace);
        } catch (RuntimeException e) {
            report = new Report(dryRun, started, clock.instant(), 0, 0, 0, List.of(), List.of(), e.toString());
            counters.failed();
            record(report);
            throw e;
        }
        record(report);
        counters.passed(report);
        return report;
    }

    private void record(Report r) {
        try {
            store.recordPass(new GarbageStore.Pass(node, r.startedAt(), r.finishedAt(), r.dryRun(),
                    r.manifestsDeleted(), r.blobsDeleted(), r.bytesReclaimed(), r.error()));
        } catch (RuntimeException e) {
            log.warn("could not record a garbage collection pass: {}", e.toString());
        }
    }

    private Report dryRun(Instant now, Duration grace) {
        List<ManifestCandidate> manifests = store.untaggedManifests(now.minus(untaggedGrace), REPORT_LIMIT);
        List<BlobRow> garbage = store.collectableBlobs(now.minus(grace), REPORT_LIMIT);
        long bytes = garbage.stream().mapToLong(BlobRow::size).sum();
        return new Report(true, now, clock.instant(), manifests.size(), garbage.size(), bytes, manifests, garbage,
                null);
    }

    private Report collect(Instant now, Duration grace) {
        List<ManifestCandidate> manifests = new ArrayList<>();
        // Audit events of the deletions name the collector as the actor.
        long manifestCount = AuditContext.as("gc", () -> deleteManifests(now, manifests));
        List<BlobRow> deleted = new ArrayList<>();
        long[] totals = deleteBlobs(now, grace, deleted);
        return new Report(false, now, clock.instant(), manifestCount, totals[0], totals[1], manifests, deleted,
                null);
    }

    /**
     * Deletes untagged manifests in rounds: deleting an index can free its children, and deleting a subject can
     * free its referrers, for the next round. Each deletion re-checks the rules under the manifest's row lock
     * (the guard: no tag, no listing index, no push or pull since the cutoff), so a tag pushed meanwhile wins.
     */
    private long deleteManifests(Instant now, List<ManifestCandidate> listed) {
        Instant cutoff = now.minus(untaggedGrace);
        DeleteGuard guard = new DeleteGuard(cutoff, Set.of());
        long count = 0;
        while (true) {
            long round = 0;
            for (ManifestCandidate c : store.untaggedManifests(cutoff, BATCH)) {
                ImageDeletion d = meta.deleteImage(c.repository(), c.digest(), guard, now);
                if (d.result() == ImageDeletion.Result.DELETED) {
                    round++;
                    if (listed.size() < REPORT_LIMIT) listed.add(c);
                }
            }
            count += round;
            if (round == 0) return count;
        }
    }

    /** Condemns due blobs and deletes condemned ones, batch after batch, until nothing is due. */
    private long[] deleteBlobs(Instant now, Duration grace, List<BlobRow> listed) {
        Instant cutoff = now.minus(grace);
        long count = 0;
        long bytes = 0;
        while (true) {
            GarbageStore.Review review = store.condemn(cutoff, BATCH, now);
            List<BlobRow> finished = store.finish(FINISH_BATCH, this::deleteBytes);
            for (BlobRow b : finished) {
                count++;
                bytes += b.size();
                if (listed.size() < REPORT_LIMIT) listed.add(b);
            }
            if (review.reviewed() == 0 && finished.size() < FINISH_BATCH) return new long[] {count, bytes};
        }
    }

    /** Deletes the bytes of condemned blobs; a blob whose deletion fails stays condemned for the next pass. */
    private List<BlobRow> deleteBytes(List<BlobRow> condemned) {
        List<BlobRow> done = new ArrayList<>(condemned.size());
        for (BlobRow b : condemned) {
            try {
                blobs.delete(b.digest()); // false (already gone: a crashed pass deleted it) is fine too
                done.add(b);
            } catch (IOException | RuntimeException e) {
                log.warn("could not delete blob {}: {}", b.digest(), e.toString());
            }
        }
        return done;
    }

    /** This node's counters since start, also exported to Prometheus when metrics are given. */
    public Counters counters() {
        return counters;
    }

    @Override
    public synchronized void close() {
        if (schedule != null) schedule.shutdownNow();
    }

    /** Per-node totals (the database's gc_passes table has every node's). */
    public static final class Counters {
        private final AtomicLong passes = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final AtomicLong manifests = new AtomicLong();
        private final AtomicLong blobsDeleted = new AtomicLong();
        private final AtomicLong bytes = new AtomicLong();
        private volatile Instant lastPass;
        private volatile Duration lastDuration = Duration.ZERO;
        private final Counter[] exported;

        Counters(Metrics metrics, GarbageStore store) {
            if (metrics == null) {
                exported = null;
                return;
            }
            exported = new Counter[] {
                metrics.counter("wharf_gc_passes", "garbage collection passes run by this node (dry runs excluded)"),
                metrics.counter("wharf_gc_manifests_deleted", "untagged manifests deleted by this node's collector"),
                metrics.counter("wharf_gc_blobs_deleted", "blobs deleted by this node's collector"),
                metrics.counter("wharf_gc_bytes_reclaimed", "bytes of blobs deleted by this node's collector"),
                metrics.counter("wharf_gc_pass_failures", "garbage collection passes that failed")
            };
            Supplier<Long> queue = Metrics.memoize(store::queueLength, Duration.ofSeconds(15));
            metrics.gauge("wharf_gc_queue_length", "blobs awaiting review or deletion by the collector (cluster)",
                    queue::get);
            metrics.gauge("wharf_gc_last_pass_timestamp_seconds", "end of this node's last pass, epoch seconds",
                    () -> lastPass == null ? 0 : lastPass.getEpochSecond());
            metrics.gauge("wharf_gc_last_pass_duration_seconds", "duration of this node's last pass",
                    () -> lastDuration.toMillis() / 1000.0);
        }

        void passed(Report r) {
            lastPass = r.finishedAt();
            lastDuration = r.elapsed();
            if (r.dryRun()) return;
            passes.incrementAndGet();
            manifests.addAndGet(r.manifestsDeleted());
            blobsDeleted.addAndGet(r.blobsDeleted());
            bytes.addAndGet(r.bytesReclaimed());
            if (exported != null) {
                exported[0].increment();
                exported[1].increment(r.manifestsDeleted());
                exported[2].increment(r.blobsDeleted());
                exported[3].increment(r.bytesReclaimed());
            }
        }

        void failed() {
            failures.incrementAndGet();
            if (exported != null) exported[4].increment();
        }

        public long passes() {
            return passes.get();
        }

        public long failures() {
            return failures.get();
        }

        public long manifestsDeleted() {
            return manifests.get();
        }

        public long blobsDeleted() {
            return blobsDeleted.get();
        }

        public long bytesReclaimed() {
            return bytes.get();
        }

        public Instant lastPass() {
            return lastPass;
        }
    }
}
