package dev.wharf.mirror;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Ends a transfer from an upstream that stopped sending: when no {@link #progress} was reported for the stall
 * timeout, {@code onStall} runs once (it closes the upstream's body, or interrupts the thread still waiting for its
 * answer). A silent upstream would otherwise hold its client's request, and a download's slot, for as long as the
 * connection stays open.
 */
final class StallWatch implements AutoCloseable {
    private final Thread watcher;
    private volatile long lastProgressNanos = System.nanoTime();

    StallWatch(Duration stallTimeout, Runnable onStall) {
        long stall = stallTimeout.toNanos();
        long every = Math.max(100, stallTimeout.toMillis() / 4);
        watcher = Thread.ofVirtual().name("mirror-watchdog").start(() -> {
            try {
                while (true) {
                    TimeUnit.MILLISECONDS.sleep(every);
                    if (System.nanoTime() - lastProgressNanos > stall) {
                        onStall.run();
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // The transfer is over: nothing more to watch.
            }
        });
    }

    /** Bytes arrived (called at most per chunk: a volatile write). */
    void progress(long nowNanos) {
        lastProgressNanos = nowNanos;
    }

    @Override
    public void close() {
        watcher.interrupt();
    }
}
