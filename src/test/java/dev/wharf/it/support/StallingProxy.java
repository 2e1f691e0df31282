package dev.wharf.it.support;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loopback TCP proxy that forwards at most {@code cap} client-to-server bytes (over all connections)
 * and then holds the rest. A push through it is reliably stuck mid-upload, so a test can crash the
 * server "during the push" without depending on timing.
 */
public final class StallingProxy implements AutoCloseable {
    private final long cap;
    private final AtomicLong forwarded = new AtomicLong();
    private final LoopbackProxy proxy;

    public StallingProxy(int targetPort, long cap) {
        this.cap = cap;
        this.proxy = new LoopbackProxy(targetPort,
                () -> (direction, chunk, n) -> direction == LoopbackProxy.Direction.TO_SERVER ? reserve(n) : n);
    }

    public String host() {
        return proxy.host();
    }

    /** Waits until the cap is reached, i.e. the upload is stuck in the server's hands. */
    public boolean awaitStalled(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (forwarded.get() < cap && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return forwarded.get() >= cap;
    }

    private int reserve(int wanted) {
        while (true) {
            long before = forwarded.get();
            int granted = (int) Math.max(0, Math.min(wanted, cap - before));
            if (forwarded.compareAndSet(before, before + granted)) {
                return granted;
            }
        }
    }

    @Override
    public void close() {
        proxy.close();
    }
}
