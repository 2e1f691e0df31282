package dev.wharf.app;

import dev.wharf.config.WharfConfig;
import dev.wharf.content.PullRecorder;
import dev.wharf.content.UploadService;
import dev.wharf.jobs.WorkerPool;
import dev.wharf.mirror.MirrorService;
import dev.wharf.ops.MemoryFootprint;
import dev.wharf.quota.NamespaceQuotas;
import dev.wharf.quota.QuotaMetrics;
import dev.wharf.quota.QuotaStore;
import dev.wharf.retention.RetentionService;
import dev.wharf.storage.LoopFailures;
import dev.wharf.storage.meta.AuditLog;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's periodic chores, on one background thread: pull and mirror counts written each second, quota sweeps,
 * retention policies submitted when due, old audit events and unused mirror tags removed, idle uploads expired, and
 * with TLS the certificate files reloaded when renewed on disk. Each chore is guarded, so that a failure skips only
 * that round of it.
 */
final class Housekeeping implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

    /** What the chores act on. */
    record Subjects(PullRecorder pulls, MirrorService mirrors, NamespaceQuotas quotas, QuotaStore quotaStore,
            QuotaMetrics quotaMetrics, RetentionService retention, WorkerPool workers, AuditLog auditLog,
            UploadService uploads) {
    }

    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "wharf-background");
        t.setDaemon(true);
        return t;
    });

    private Housekeeping() {
    }

    /**
     * Schedules every chore.
     *
     * @param tls the HTTPS listener's certificate source, or null for plain HTTP
     */
    static Housekeeping start(WharfConfig config, Clock clock, Tls tls, Subjects s) {
        Housekeeping h = new Housekeeping();
        if (tls != null) { // certificate files renewed on disk (e.g. by certbot) are served without a restart
            long every = config.tls().reloadInterval().toMillis();
            h.every("the certificate reload", every, every, TimeUnit.MILLISECONDS, tls.https()::reloadIfChanged);
        }
        h.background.schedule(safely("the post-start memory compaction", MemoryFootprint::compactAfterStartup), 1,
                TimeUnit.SECONDS);
        h.every("the pull counts flush", 1, 1, TimeUnit.SECONDS, s.pulls()::flush);
        h.every("the mirror counts flush", 1, 1, TimeUnit.SECONDS, s.mirrors()::flushCounts);
        h.every("the quota sweep", 5, 30, TimeUnit.SECONDS,
                () -> s.quotaMetrics().update(s.quotas().sweep(), s.quotaStore()));
        h.every("the retention scheduler", 30, 60, TimeUnit.SECONDS, () -> {
            if (s.retention().submitDue() > 0) s.workers().wake();
        });
        Duration auditRetention = config.audit().retention();
        h.every("the audit purge", 1, 60, TimeUnit.MINUTES, () -> {
            int n = s.auditLog().purgeOlderThan(clock.instant().minus(auditRetention));
            if (n > 0) log.info("removed {} audit events older than {}", n, auditRetention);
        });
        // Every mirror may have its own setting (the admin API's evict_unused_seconds), so the chore always runs;
        // a mirror that evicts nothing costs one query.
        Duration evictAfter = config.mirrors().evictUnusedAfter();
        h.every("the mirror eviction", 10, 60, TimeUnit.MINUTES, () -> s.mirrors().evictUnused(evictAfter)
                .forEach((mirror, n) -> log.info("mirror {}: evicted {} tags unused for its eviction setting", mirror,
                        n)));
        Duration uploadsExpireAfter = config.storage().uploadsExpireAfter();
        h.every("the upload expiry", 0, 5, TimeUnit.MINUTES, () -> {
            int n = s.uploads().expireIdle(uploadsExpireAfter);
            if (n > 0) log.info("removed {} expired upload sessions", n);
        });
        return h;
    }

    private void every(String name, long initialDelay, long period, TimeUnit unit, Runnable chore) {
        background.scheduleWithFixedDelay(safely(name, chore), initialDelay, period, unit);
    }

    /** The chore, its failures logged (a database outage fails the 1-second ones every round: a few lines). */
    private static Runnable safely(String name, Runnable task) {
        LoopFailures failures = new LoopFailures(log, name);
        return () -> {
            try {
                task.run();
                failures.succeeded();
            } catch (RuntimeException e) {
                failures.failed(e);
            }
        };
    }

    /** Stops the chores; one still running is interrupted. */
    @Override
    public void close() {
        background.shutdownNow();
    }
}
