package dev.wharf.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.exceptions.JedisException;

/**
 * What a node does while Redis ({@code redis.url}) does not answer. Redis holds only counters that limit abuse
 * (rate-limit buckets, sign-in failure counts) and notes of mirror upstreams that are down, never data, so its outage must not take the node's service down with
 * it: a call that fails is answered by this node's own counters instead, as a node without {@code redis.url} keeps
 * them, and so is every call for {@link #RETRY} after it, without waiting on Redis again. Then one call tries Redis;
 * once it answers, the shared counters are used again. What the node counted meanwhile stays on the node (not merged:
 * a lockout set during the outage holds on this node until it runs out).
 */
final class RedisFallback {
    private static final Logger log = LoggerFactory.getLogger(RedisFallback.class);
    static final Duration RETRY = Duration.ofSeconds(5);
    private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

    private final Counter fallbacks;
    /** 0 while Redis answers; otherwise the System.nanoTime() from which one call may try it again. */
    private final AtomicLong retryAt = new AtomicLong();
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicLong downSince = new AtomicLong();
    private final AtomicLong lastWarned = new AtomicLong();
    private final AtomicLong localCalls = new AtomicLong();

    RedisFallback(MeterRegistry meters) {
        this.fallbacks = Counter.builder("wharf_redis_fallbacks")
                .description("rate-limit, sign-in counter and mirror outage operations done in this node's memory because Redis "
                        + "(redis.url) did not answer")
                .register(meters);
    }

    /** For /readyz: "ok", or since when this node has been counting on its own. */
    String state() {
        if (retryAt.get() == 0) return "ok";
        return "unreachable for " + Duration.ofNanos(System.nanoTime() - downSince.get()).toSeconds()
                + " s; this node counts rate limits and sign-in failures, and tracks mirror upstream outages, on its own";
    }

    /** {@code shared}'s answer, or {@code local}'s while Redis does not answer. */
    <T> T call(Supplier<T> shared, Supplier<T> local) {
        long waitUntil = retryAt.get();
        boolean probe = false;
        if (waitUntil != 0) {
            // Down: only one caller at a time may spend Redis's timeout finding out whether it is back.
            if (System.nanoTime() - waitUntil < 0 || !probing.compareAndSet(false, true)) return counted(local);
            probe = true;
        }
        try {
            T answer = shared.get();
            if (probe) recovered();
            return answer;
        } catch (RuntimeException e) {
            if (!fromRedis(e)) throw e;
            failed(e);
            return counted(local);
        } finally {
            if (probe) probing.set(false);
        }
    }

    /** {@link #call} for counter updates that answer nothing. */
    void run(Runnable shared, Runnable local) {
        call(() -> {
            shared.run();
            return null;
        }, () -> {
            local.run();
            return null;
        });
    }

    private <T> T counted(Supplier<T> local) {
        fallbacks.increment();
        localCalls.incrementAndGet();
        return local.get();
    }

    private void failed(RuntimeException e) {
        long now = System.nanoTime();
        boolean wasUp = retryAt.getAndSet(now + RETRY.toNanos()) == 0;
        if (wasUp) {
            downSince.set(now);
            localCalls.set(0);
        } else if (now - lastWarned.get() < WARN_EVERY_NANOS) {
            return;
        }
        lastWarned.set(now);
        // The cause's text names host and port at most; the URL (which may hold a password) is never logged.
        log.warn("Redis (redis.url) is unreachable ({}); this node counts rate limits and sign-in failures, and "
                + "tracks mirror upstream outages, on its own until it answers again (tried every {} s){}", reason(e), RETRY.toSeconds(),
                wasUp ? "" : "; down for " + Duration.ofNanos(now - downSince.get()).toSeconds() + " s, "
                        + localCalls.get() + " counter operations done here so far");
    }

    private void recovered() {
        long since = downSince.get();
        retryAt.set(0);
        log.info("Redis (redis.url) answers again after {} s; rate limits and sign-in failures are counted there "
                + "again ({} counter operations were done on this node meanwhile)",
                Duration.ofNanos(System.nanoTime() - since).toSeconds(), localCalls.get());
    }

    /** Whether the failure is Redis's (no answer, or an error answer), not a bug of the caller. */
    private static boolean fromRedis(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JedisException) return true;
        }
        return false;
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
