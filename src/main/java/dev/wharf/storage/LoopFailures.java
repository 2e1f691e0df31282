package dev.wharf.storage;

import java.time.Duration;
import org.slf4j.Logger;

/**
 * The failures of one background loop (a poll, a periodic chore), logged so that an outage that lasts is a few lines
 * rather than one per round: the first failure warns, a failure that goes on warns again at most once a minute with
 * the number of rounds failed meanwhile, and the first round that works after them says so. A storage condition
 * ({@link StorageFailure}: full disk, unreachable or busy database, unreachable S3) is named as such; anything else
 * by its exception. A round broken off because its thread was interrupted is the loop being stopped (a node
 * shutting down interrupts its chores), not a failure: it is logged at debug and not counted. Meant for one loop's
 * thread; its counts are not shared.
 */
public final class LoopFailures {
    private static final long REPEAT_NANOS = Duration.ofMinutes(1).toNanos();

    private final Logger log;
    private final String what;
    private int failures;
    private long firstNanos;
    private long lastWarnedNanos;

    /** @param what the loop, as the log should name it ("job worker 1", "the pull counts flush") */
    public LoopFailures(Logger log, String what) {
        this.log = log;
        this.what = what;
    }

    public synchronized void failed(Throwable e) {
        if (interrupted(e)) {
            log.debug("{} stopped: {}", what, e.toString());
            return;
        }
        long now = System.nanoTime();
        String reason = StorageFailure.diagnose(e).map(StorageFailure.Diagnosis::condition).orElseGet(e::toString);
        if (failures++ == 0) {
            firstNanos = now;
            lastWarnedNanos = now;
            log.warn("{} failed: {}", what, reason);
        } else if (now - lastWarnedNanos >= REPEAT_NANOS) {
            lastWarnedNanos = now;
            log.warn("{} still failing ({} times in {} s): {}", what, failures, seconds(now - firstNanos), reason);
        }
    }

    public synchronized void succeeded() {
        if (failures == 0) return;
        log.info("{} works again after {} failed rounds in {} s", what, failures,
                seconds(System.nanoTime() - firstNanos));
        failures = 0;
    }

    /**
     * Whether the round ended because its thread was interrupted: the flag is still set, or a library cleared it and
     * kept the interruption as a cause (the S3 client's AbortedException, JDBC drivers, an interruptible channel).
     */
    private static boolean interrupted(Throwable e) {
        if (Thread.currentThread().isInterrupted()) return true;
        int depth = 0; // bounded as in StorageFailure.diagnose: a cause chain may loop
        for (Throwable t = e; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof InterruptedException || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    private static long seconds(long nanos) {
        return Duration.ofNanos(nanos).toSeconds();
    }
}
