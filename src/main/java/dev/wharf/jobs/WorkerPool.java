package dev.wharf.jobs;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import dev.wharf.storage.LoopFailures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A few worker threads that claim jobs from the database and run their handlers. Any node may run a pool: the
 * database decides who gets which job (see {@link JobStore}). While a handler runs, its lease is renewed every
 * third of the lease; if this node dies, the lease expires and another worker resumes the job.
 */
public final class WorkerPool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);
    private static final long CANCEL_CHECK_MILLIS = 1000;
    /**
     * The longest a peer's Retry-After delays a job's next attempt: a registry's rate limit that resets in hours
     * should not hold an import past what an operator waits for, and the attempt after it asks again anyway.
     */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    private final JobStore store;
    private final Map<String, JobHandler> handlers;
    private final Clock clock;
    private final int workers;
    private final Duration lease;
    private final Duration idlePoll;
    private final Backoff backoff;
    private final String nodeId = "node-" + UUID.randomUUID().toString().substring(0, 8);
    /** What the pool's workers are called in logs and thread names ("job", "webhook"): a node runs more than one. */
    private final String kind;
    private final Semaphore wake = new Semaphore(0);
    private final Map<String, RunningJob> running = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;
    private volatile JobListener listener = (job, completed, error) -> {};
    private final java.util.concurrent.CountDownLatch stopSignal = new java.util.concurrent.CountDownLatch(1);

    public WorkerPool(JobStore store, List<JobHandler> handlers, Clock clock, int workers, Duration lease,
            Duration idlePoll, Backoff backoff) {
        this("job", store, handlers, clock, workers, lease, idlePoll, backoff);
    }

    /** @param kind what its workers are called in logs and thread names, so that two pools of a node tell apart */
    public WorkerPool(String kind, JobStore store, List<JobHandler> handlers, Clock clock, int workers, Duration lease,
            Duration idlePoll, Backoff backoff) {
        this.kind = kind;
        this.store = store;
        this.handlers = handlers.stream().collect(Collectors.toUnmodifiableMap(JobHandler::type, Function.identity()));
        this.clock = clock;
        this.workers = workers;
        this.lease = lease;
        this.idlePoll = idlePoll;
        this.backoff = backoff;
    }

    /** Who to tell when a job of this pool ends for good (one listener; set before {@link #start}). */
    public void onFinished(JobListener listener) {
        this.listener = listener;
    }

    private void tell(Job job, boolean completed, String error) {
        try {
            listener.finished(job, completed, error);
        } catch (RuntimeException e) {
            log.warn("job {}: its end could not be reported: {}", job.id(), e.toString());
        }
    }

    public synchronized void start() {
        for (int i = 0; i < workers; i++) {
            String worker = nodeId + "-w" + i;
            threads.add(Thread.ofPlatform().name("wharf-" + kind + "-" + i).daemon().start(() -> loop(worker)));
        }
        threads.add(Thread.ofPlatform().name("wharf-" + kind + "-lease").daemon().start(this::renewLeases));
    }

    /** Nudges idle workers after a submission, so a new job starts without waiting for the next poll. */
    public void wake() {
        wake.release(workers);
    }

    private void loop(String worker) {
        List<String> types = List.copyOf(handlers.keySet());
        LoopFailures failures = new LoopFailures(log, kind + " worker " + worker);
        while (!stopping) {
            try {
                Optional<Job> job = store.claim(worker, types, lease);
                failures.succeeded();
                if (job.isPresent()) {
                    run(worker, job.get());
                } else {
                    wake.tryAcquire(idlePoll.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                failures.failed(e); // a database outage fails every poll: a few lines, not one per poll
                sleepQuietly(idlePoll);
            }
        }
    }

    private void run(String worker, Job job) {
        JobHandler handler = handlers.get(job.type());
        RunningJob context = new RunningJob(store, job, worker, clock);
        if (job.attempts() > job.maxAttempts()) {
            finishFailed(handler, job, context, "gave up after " + job.maxAttempts() + " attempts");
            return;
        }
        running.put(job.id(), context);
        log.info("job {} ({}) started, attempt {} of {}", job.id(), job.type(), job.attempts(), job.maxAttempts());
        try {
            handler.run(job, context);
            if (store.complete(job.id(), worker, context.finish(true))) {
                log.info("job {} ({}) completed", job.id(), job.type());
                tell(job, true, null);
            }
        } catch (JobFailure f) {
            if (stopping && context.lostOrStopped()) {
                store.release(job.id(), worker);
            } else if (f.isTransient() && job.attempts() < job.maxAttempts()) {
                Duration delay = delayAfter(backoff.after(job.attempts()), f.retryAfter());
                log.info("job {} ({}) attempt {} failed, retrying in {} s: {}", job.id(), job.type(),
                        job.attempts(), delay.toSeconds(), f.getMessage());
                store.retryLater(job.id(), worker, context.finish(false), f.getMessage(), delay);
            } else {
                finishFailed(handler, job, context, f.getMessage());
            }
        } catch (Exception e) {
            log.error("job {} ({}) failed unexpectedly", job.id(), job.type(), e);
            if (job.attempts() < job.maxAttempts()) {
                store.retryLater(job.id(), worker, context.finish(false), "internal error; see the server log",
                        backoff.after(job.attempts()));
            } else {
                finishFailed(handler, job, context, "internal error; see the server log");
            }
        } finally {
            running.remove(job.id());
        }
    }

    /** The backoff's delay, or the peer's Retry-After (up to {@link #MAX_RETRY_AFTER}) when that is longer. */
    static Duration delayAfter(Duration backoff, java.util.Optional<Duration> retryAfter) {
        if (retryAfter.isEmpty()) return backoff;
        Duration asked = retryAfter.get().compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter.get();
        return asked.compareTo(backoff) > 0 ? asked : backoff;
    }

    private void finishFailed(JobHandler handler, Job job, RunningJob context, String message) {
        if (store.fail(job.id(), context.worker(), context.finish(false), message)) {
            log.info("job {} ({}) failed: {}", job.id(), job.type(), message);
            try {
                handler.failed(job, message);
            } catch (RuntimeException e) {
                log.warn("job {}: marking its resources as failed did not work: {}", job.id(), e.toString());
            }
            tell(job, false, message);
        }
    }

    /**
     * Renews leases every third of the lease, and looks for cancel requests every second in between, so a
     * cancelled job stops within about a second rather than a renewal period.
     */
    private void renewLeases() {
        long renewEvery = Math.max(100, lease.toMillis() / 3);
        long tick = Math.min(renewEvery, CANCEL_CHECK_MILLIS);
        long lastRenewal = System.nanoTime();
        while (!stopping) {
            try {
                // Wakes at once on stop, so shutting down never waits a whole renewal period.
                if (stopSignal.await(tick, TimeUnit.MILLISECONDS)) return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            boolean renew = System.nanoTime() - lastRenewal >= TimeUnit.MILLISECONDS.toNanos(renewEvery - tick / 2);
            if (renew) lastRenewal = System.nanoTime();
            for (RunningJob job : running.values()) {
                try {
                    if (renew && !store.renew(job.id(), job.worker(), lease)) job.lose();
                    if (store.cancelRequested(job.id())) job.cancel();
                } catch (RuntimeException e) {
                    log.warn("could not renew the lease of job {}: {}", job.id(), e.toString());
                }
            }
        }
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops claiming, asks running handlers to stop, waits up to {@code grace} for them, and hands unfinished jobs
     * back to the queue so another node takes them over without waiting for the lease to expire.
     */
    public void stop(Duration grace) {
        stopping = true;
        stopSignal.countDown();
        running.values().forEach(RunningJob::stop);
        wake.release(workers * 2);
        long deadline = System.nanoTime() + grace.toNanos();
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) t.interrupt();
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }
}
